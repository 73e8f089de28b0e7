"""`/key/*` over HTTP: parse, call the key service, answer JSON (API.md §5)."""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Response, current_app, g, request
from flask.blueprints import BlueprintSetupState

from ..body import read_json_object
from ..directory import access, key_access
from ..errors import BadRequest, PermissionDenied
from ..keys import service
from ..keys.fields import NOT_ENFORCED, KeyRef, validate
from ..keys.health import key_health
from ..keys.secrets import to_hash
from . import actor, bp
from .params import KeyInfoQuery, KeyListQuery
from .query import parse_query

log = logging.getLogger(__name__)


def _json(data: dict[str, Any]) -> Response:
    return current_app.json.response(data)


def _body() -> dict[str, Any]:
    body, _ = read_json_object(request)
    return body


def _only_key(body: dict[str, Any]) -> str:
    return validate(body, KeyRef)["key"]


@bp.record_once
def _report_not_enforced(state: BlueprintSetupState) -> None:
    """At start-up, once per deployment (the CLI reports before workers start, as for the
    config): the key settings kept and shown but not applied (docs/keys.md). Info, not a
    warning: it is a fact about the gateway, not about this configuration."""
    if not os.environ.get("GATEWAY_CONFIG_REPORTED"):
        log.info(
            "key settings accepted, stored and echoed by /key/* but not enforced yet: %s",
            ", ".join(NOT_ENFORCED),
        )


@bp.post("/key/generate")
def generate() -> Response:
    body = key_access.check_generate(g.principal, _body())
    return _json(service.generate(body, actor(g.principal)))


@bp.post("/key/update")
def update() -> Response:
    body = _body()
    key_access.check_update(g.principal, body)
    return _json(service.update(body, actor(g.principal)))


@bp.post("/key/delete")
def delete() -> Response:
    body = _body()
    if g.principal.role != "proxy_admin":
        if body.get("key_aliases"):
            raise PermissionDenied("Only proxy admins may delete keys by alias.", param="key_aliases")
        keys = body.get("keys")
        for key in keys if isinstance(keys, list) else ():
            key_access.check_key(g.principal, key, "/key/delete")
    return _json(service.delete(body, actor(g.principal)))


@bp.post("/key/block")
def block() -> Response:
    key = _only_key(_body())
    key_access.check_key(g.principal, key, "/key/block")
    return _json(service.set_blocked(key, True, actor(g.principal)))


@bp.post("/key/unblock")
def unblock() -> Response:
    key = _only_key(_body())
    key_access.check_key(g.principal, key, "/key/unblock")
    return _json(service.set_blocked(key, False, actor(g.principal)))


@bp.post("/key/regenerate")
def regenerate() -> Response:
    body = _body()
    key_access.check_update(g.principal, body, "/key/regenerate")
    return _json(service.regenerate(body, actor(g.principal)))


@bp.post("/key/<key>/regenerate")
def regenerate_path(key: str) -> Response:
    body = _body() if request.content_length or request.is_json else {}
    if "key" in body:
        raise BadRequest("Give the key in the path or in the body, not both.", param="key")
    key_access.check_update(g.principal, {**body, "key": key}, "/key/regenerate")
    return _json(service.regenerate({**body, "key": key}, actor(g.principal)))


@bp.get("/key/info")
def info() -> Response:
    principal = g.principal
    key = parse_query(KeyInfoQuery).key
    if key is None:
        if principal.key_hash is None:
            raise BadRequest("Give `?key=`: this caller has no key of its own.", param="key")
        key = principal.key_hash
    elif not access.reads_all(principal) and to_hash(key) != principal.key_hash:
        if not principal.user_id:
            raise PermissionDenied("Only proxy admins may read other keys.")
        key_access.check_key(principal, key, "/key/info", write=False)
    return _json(service.info(key))


@bp.route("/key/health", methods=["GET", "POST"])
def health() -> Response:
    """LiteLLM's is POST; GET answers the same, for probes."""
    return _json(key_health(g.principal))


@bp.get("/key/list")
def list_keys() -> Response:
    q = parse_query(KeyListQuery)
    user_id, team_id = q.user_id, q.team_id
    principal = g.principal
    if not access.reads_all(principal):  # the caller's own keys, or a team's it manages
        if team_id and access.manages_team(principal, team_id):
            pass
        elif user_id not in (None, principal.user_id) or principal.user_id is None:
            raise access.denied("user", user_id)
        else:
            user_id = principal.user_id
    return _json(
        service.list_keys(
            page=q.page,
            size=q.size,
            user_id=user_id,
            team_id=team_id,
            key_alias=q.key_alias,
            full=q.return_full_object,
        )
    )
