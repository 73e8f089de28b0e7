"""`/organization/*` over HTTP: parse, call the organization service, answer JSON (LiteLLM's shapes).

LiteLLM serves update with PATCH and delete, member_update, member_delete with DELETE/PATCH;
older clients POST. Both are accepted, one implementation behind them.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, g, request
from pydantic import BaseModel

from ..body import read_json_object
from ..directory import organizations as service
from ..directory.org_fields import Ids
from ..keys.checks import OptText, Text
from ..validation import STRICT, given, parse
from . import actor, bp
from .paging import int_param
from .query import refuse_unknown


class InfoQuery(BaseModel):
    model_config = STRICT
    organization_id: Text


class InfoBody(BaseModel):
    """LiteLLM's deprecated POST /organization/info."""

    model_config = STRICT
    organizations: Ids


class ListQuery(BaseModel):
    model_config = STRICT
    org_id: OptText = None
    org_alias: OptText = None


def _json(data: Any) -> Response:
    return current_app.json.response(data)


def _body() -> dict[str, Any]:
    body, _ = read_json_object(request)
    return body


def query_args(model: type[BaseModel], extra: tuple[str, ...] = ()) -> dict[str, Any]:
    """The query string checked by `model` (plus the paging names in `extra`); unknown names are a 400."""
    refuse_unknown({*model.model_fields, *extra})
    return given(parse(model, {k: v for k, v in request.args.items() if k in model.model_fields}))


@bp.post("/organization/new")
def org_new() -> Response:
    return _json(service.new(_body(), g.principal, actor(g.principal)))


@bp.get("/organization/info")
def org_info() -> Response:
    return _json(service.info(query_args(InfoQuery)["organization_id"], g.principal))


@bp.post("/organization/info")
def org_info_many() -> Response:
    return _json(service.info_many(parse(InfoBody, _body()).organizations, g.principal))


@bp.route("/organization/update", methods=["PATCH", "POST"])
def org_update() -> Response:
    return _json(service.update(_body(), g.principal, actor(g.principal)))


@bp.route("/organization/delete", methods=["DELETE", "POST"])
def org_delete() -> Response:
    return _json(service.delete(_body(), g.principal, actor(g.principal)))


@bp.get("/organization/list")
def org_list() -> Response:
    filters = query_args(ListQuery, ("page", "size"))
    return _json(
        service.list_organizations(
            g.principal,
            int_param("page", 1, 1, 1_000_000),
            int_param("size", 100, 1, 1000),
            filters.get("org_id"),
            filters.get("org_alias"),
        )
    )


@bp.post("/organization/member_add")
def org_member_add() -> Response:
    return _json(service.member_add(_body(), g.principal, actor(g.principal)))


@bp.route("/organization/member_update", methods=["PATCH", "POST"])
def org_member_update() -> Response:
    return _json(service.member_update(_body(), g.principal, actor(g.principal)))


@bp.route("/organization/member_delete", methods=["DELETE", "POST"])
def org_member_delete() -> Response:
    return _json(service.member_delete(_body(), g.principal, actor(g.principal)))
