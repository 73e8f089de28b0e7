"""`/key/*` over HTTP: parse, call the key service, answer JSON (API.md §5)."""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Response, current_app, g, request
from flask.blueprints import BlueprintSetupState

from ..body import read_json_object
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
    return _json(service.generate(_body(), actor(g.principal)))


@bp.post("/key/update")
def update() -> Response:
    return _json(service.update(_body(), actor(g.principal)))


@bp.post("/key/delete")
def delete() -> Response:
    return _json(service.delete(_body(), actor(g.principal)))


@bp.post("/key/block")
def block() -> Response:
    return _json(service.set_blocked(_only_key(_body()), True, actor(g.principal)))


@bp.post("/key/unblock")
def unblock() -> Response:
    return _json(service.set_blocked(_only_key(_body()), False, actor(g.principal)))


@bp.post("/key/regenerate")
def regenerate() -> Response:
    return _json(service.regenerate(_body(), actor(g.principal)))


@bp.post("/key/<key>/regenerate")
def regenerate_path(key: str) -> Response:
    body = _body() if request.content_length or request.is_json else {}
    if "key" in body:
        raise BadRequest("Give the key in the path or in the body, not both.", param="key")
    return _json(service.regenerate({**body, "key": key}, actor(g.principal)))


@bp.get("/key/info")
def info() -> Response:
    principal = g.principal
    key = parse_query(KeyInfoQuery).key
    if key is None:
        if principal.key_hash is None:
            raise BadRequest("Give `?key=`: this caller has no key of its own.", param="key")
        key = principal.key_hash
    elif not principal.is_admin and to_hash(key) != principal.key_hash:
        raise PermissionDenied("Only proxy admins may read other keys.")
    return _json(service.info(key))


@bp.route("/key/health", methods=["GET", "POST"])
def health() -> Response:
    """LiteLLM's is POST; GET answers the same, for probes."""
    return _json(key_health(g.principal))


@bp.get("/key/list")
def list_keys() -> Response:
    q = parse_query(KeyListQuery)
    return _json(
        service.list_keys(
            page=q.page,
            size=q.size,
            user_id=q.user_id,
            team_id=q.team_id,
            key_alias=q.key_alias,
            full=q.return_full_object,
        )
    )
