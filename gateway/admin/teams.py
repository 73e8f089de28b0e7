"""`/team/*` over HTTP (LiteLLM's team_endpoints): parse, call the team service, answer JSON."""

from __future__ import annotations

from flask import Response, g

from ..directory import teams
from . import actor, bp
from .directory_http import body, int_param, json, query, required


@bp.post("/team/new")
def team_new() -> Response:
    return json(teams.new(body(), g.principal, actor(g.principal)))


@bp.get("/team/info")
def team_info() -> Response:
    return json(teams.info(required(query({"team_id"}), "team_id"), g.principal))


@bp.post("/team/update")
def team_update() -> Response:
    return json(teams.update(body(), g.principal, actor(g.principal)))


@bp.post("/team/delete")
def team_delete() -> Response:
    return json(teams.delete(body(), g.principal, actor(g.principal)))


@bp.get("/team/list")
def team_list() -> Response:
    params = query({"page", "page_size", "user_id", "organization_id", "team_alias"})
    page = int_param(("page",), 1, 1, 1_000_000)
    size = int_param(("page_size",), 100, 1, 1000)
    return json(teams.list_teams(page, size, params, g.principal))


@bp.post("/team/block")
def team_block() -> Response:
    return json(teams.set_blocked(body(), True, g.principal, actor(g.principal)))


@bp.post("/team/unblock")
def team_unblock() -> Response:
    return json(teams.set_blocked(body(), False, g.principal, actor(g.principal)))


@bp.post("/team/member_add")
def team_member_add() -> Response:
    return json(teams.member_add(body(), g.principal, actor(g.principal)))


@bp.post("/team/member_delete")
def team_member_delete() -> Response:
    return json(teams.member_delete(body(), g.principal, actor(g.principal)))


@bp.post("/team/member_update")
def team_member_update() -> Response:
    return json(teams.member_update(body(), g.principal, actor(g.principal)))


@bp.post("/team/model/add")
def team_model_add() -> Response:
    return json(teams.models(body(), True, g.principal, actor(g.principal)))


@bp.post("/team/model/delete")
def team_model_delete() -> Response:
    return json(teams.models(body(), False, g.principal, actor(g.principal)))


@bp.get("/team/permissions_list")
def team_permissions_list() -> Response:
    return json(teams.permissions_list(required(query({"team_id"}), "team_id"), g.principal))


@bp.post("/team/permissions_update")
def team_permissions_update() -> Response:
    return json(teams.permissions_update(body(), g.principal, actor(g.principal)))
