"""`/user/*` over HTTP (LiteLLM's internal_user_endpoints): parse, call the user service, answer JSON."""

from __future__ import annotations

from flask import Response, g, request

from ..directory import users
from ..directory.fields import ListFilters
from ..keys.fields import validate
from . import actor, bp
from .directory_http import body, int_param, json, query


@bp.post("/user/new")
def user_new() -> Response:
    return json(users.new(body(), g.principal, actor(g.principal)))


@bp.get("/user/info")
def user_info() -> Response:
    params = query({"user_id"})
    return json(users.info(params.get("user_id"), g.principal))


@bp.post("/user/update")
def user_update() -> Response:
    return json(users.update(body(), g.principal, actor(g.principal)))


@bp.post("/user/delete")
def user_delete() -> Response:
    return json(users.delete(body(), g.principal, actor(g.principal)))


@bp.get("/user/list")
def user_list() -> Response:
    params = query({"page", "page_size", "user_ids", "user_id", "user_email", "role", "team_id"})
    if request.args.get("user_ids"):  # LiteLLM's name: comma-separated ids
        params = {
            **params,
            "user_id": validate({"user_id": request.args["user_ids"]}, ListFilters)["user_id"],
        }
    page = int_param(("page",), 1, 1, 1_000_000)
    size = int_param(("page_size",), 25, 1, 100)
    return json(users.list_users(page, size, params, g.principal))
