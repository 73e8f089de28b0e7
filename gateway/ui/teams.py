"""The teams pages: list, one team and its members; new, edit, block/unblock, delete,
add/edit/remove a member, each through the team service behind `/team/*` after the route
table's check."""

from __future__ import annotations

from typing import Any

from flask import Response, render_template, request

from ..admin import actor
from ..directory import access, teams
from ..values import Principal
from . import bp
from .acting import PAGE_SIZE, acting, edit, field, write
from .forms import form_body, page_arg, text_arg

TEAM_FIELDS = {
    "text": ("team_id", "team_alias", "organization_id", "budget_duration"),
    "lists": ("models",),
    "ints": ("rpm_limit", "tpm_limit", "max_parallel_requests"),
    "floats": ("max_budget",),
}

# What the team page's edit forms set (/team/update, /team/member_update), pre-filled.
TEAM_EDIT = {
    "text": ("team_alias", "budget_duration"),
    "lists": ("models",),
    "ints": ("rpm_limit", "tpm_limit", "max_parallel_requests"),
    "floats": ("max_budget", "soft_budget"),
}
MEMBER_EDIT = {
    "text": ("role",),
    "lists": ("allowed_models",),
    "ints": ("rpm_limit", "tpm_limit"),
    "floats": ("max_budget_in_team",),
}


@bp.get("/teams")
def teams_page() -> str:
    principal = acting("/team/list")
    page = page_arg()
    filters = {k: v for k in ("team_alias", "organization_id") if (v := text_arg(k))}
    rows = teams.list_teams(page, PAGE_SIZE + 1, filters, principal)
    return render_template(
        "teams.html", rows=rows[:PAGE_SIZE], more=len(rows) > PAGE_SIZE, page=page, search=filters,
        done=request.args.get("done"),
    )  # fmt: skip


@bp.get("/teams/<team_id>")
def team_page(team_id: str) -> str:
    principal = acting("/team/info")
    team = teams.info(team_id, principal)
    # The route table lets an internal user reach /team/member_*; the team decides (its admins).
    manages = access.manages_team(principal, team_id)
    return render_template("team.html", team=team, manages=manages, done=request.args.get("done"))


@bp.post("/teams/new")
def team_new() -> Response:
    return write(
        "/team/new",
        lambda p: teams.new(form_body(**TEAM_FIELDS), p, actor(p)),
        "ui.teams_page",
        "Team created.",
    )


@bp.post("/teams/block")
def team_block() -> Response:
    return _team_blocked(True)


@bp.post("/teams/unblock")
def team_unblock() -> Response:
    return _team_blocked(False)


def _team_blocked(blocked: bool) -> Response:
    route = "/team/block" if blocked else "/team/unblock"
    return write(
        route,
        lambda p: teams.set_blocked({"team_id": field("team_id")}, blocked, p, actor(p)),
        "ui.teams_page",
        "Team blocked." if blocked else "Team unblocked.",
    )


@bp.post("/teams/delete")
def team_delete() -> Response:
    return write(
        "/team/delete",
        lambda p: teams.delete({"team_ids": [field("team_id")]}, p, actor(p)),
        "ui.teams_page",
        "Team deleted.",
    )


@bp.post("/teams/member_add")
def team_member_add() -> Response:
    team_id = field("team_id")
    member = form_body(text=("user_id", "user_email", "role"))
    return write(
        "/team/member_add",
        lambda p: teams.member_add({"team_id": team_id, "member": member}, p, actor(p)),
        "ui.team_page",
        "Member added.",
        team_id=team_id,
    )


@bp.post("/teams/member_delete")
def team_member_delete() -> Response:
    team_id = field("team_id")
    return write(
        "/team/member_delete",
        lambda p: teams.member_delete({"team_id": team_id, "user_id": field("user_id")}, p, actor(p)),
        "ui.team_page",
        "Member removed.",
        team_id=team_id,
    )


@bp.post("/teams/update")
def team_update() -> Response:
    team_id = field("team_id")
    return edit(
        "/team/update",
        TEAM_EDIT,
        lambda p: teams.info(team_id, p)["team_info"],
        lambda p, body: teams.update({"team_id": team_id, **body}, p, actor(p)),
        "ui.team_page",
        team_id=team_id,
    )


@bp.post("/teams/member_update")
def team_member_update() -> Response:
    team_id, user_id = field("team_id"), field("user_id")
    return edit(
        "/team/member_update",
        MEMBER_EDIT,
        lambda p: _membership(team_id, user_id, p),
        lambda p, body: teams.member_update({"team_id": team_id, "user_id": user_id, **body}, p, actor(p)),
        "ui.team_page",
        team_id=team_id,
    )


def _membership(team_id: str, user_id: str, principal: Principal) -> dict[str, Any]:
    """The member's settings as /team/info shows them (none when it is not a member: the
    service then answers its own 404)."""
    found = teams.info(team_id, principal)["team_memberships"]
    return next((m for m in found if m["user_id"] == user_id), {})
