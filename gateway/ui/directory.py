"""The directory pages: teams (and their members), users, organizations, customers. Each form
is the API route's body, checked by the route table (permit.py) and handed to the same service
(directory/*) that `/team/*`, `/user/*`, `/organization/*` and `/customer/*` call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, redirect, render_template, request, url_for

from ..admin import actor
from ..directory import customers, organizations, teams, users
from ..errors import BadRequest
from ..values import Principal
from . import bp
from .forms import form_body, page_arg, text_arg
from .permit import require
from .session import require_login

PAGE_SIZE = 25


def _acting(route: str) -> Principal:
    principal = require_login()
    require(principal, route)
    return principal


def _field(name: str) -> str:
    value = request.form.get(name, "").strip()
    if not value:
        raise BadRequest(f"`{name}` is required.", param=name)
    return value


def _back(endpoint: str, message: str, **args: Any) -> Response:
    return redirect(url_for(endpoint, done=message, **args))


def _write(
    route: str, call: Callable[[Principal], Any], endpoint: str, message: str, **args: Any
) -> Response:
    principal = _acting(route)
    call(principal)
    return _back(endpoint, message, **args)


# --- teams -----------------------------------------------------------------------------------

TEAM_FIELDS = {
    "text": ("team_id", "team_alias", "organization_id", "budget_duration"),
    "lists": ("models",),
    "ints": ("rpm_limit", "tpm_limit", "max_parallel_requests"),
    "floats": ("max_budget",),
}


@bp.get("/teams")
def teams_page() -> str:
    principal = _acting("/team/list")
    page = page_arg()
    filters = {k: v for k in ("team_alias", "organization_id") if (v := text_arg(k))}
    rows = teams.list_teams(page, PAGE_SIZE + 1, filters, principal)
    return render_template(
        "teams.html", rows=rows[:PAGE_SIZE], more=len(rows) > PAGE_SIZE, page=page, search=filters,
        done=request.args.get("done"),
    )  # fmt: skip


@bp.get("/teams/<team_id>")
def team_page(team_id: str) -> str:
    principal = _acting("/team/info")
    return render_template("team.html", team=teams.info(team_id, principal), done=request.args.get("done"))


@bp.post("/teams/new")
def team_new() -> Response:
    return _write(
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
    return _write(
        route,
        lambda p: teams.set_blocked({"team_id": _field("team_id")}, blocked, p, actor(p)),
        "ui.teams_page",
        "Team blocked." if blocked else "Team unblocked.",
    )


@bp.post("/teams/delete")
def team_delete() -> Response:
    return _write(
        "/team/delete",
        lambda p: teams.delete({"team_ids": [_field("team_id")]}, p, actor(p)),
        "ui.teams_page",
        "Team deleted.",
    )


@bp.post("/teams/member_add")
def team_member_add() -> Response:
    team_id = _field("team_id")
    member = form_body(text=("user_id", "user_email", "role"))
    return _write(
        "/team/member_add",
        lambda p: teams.member_add({"team_id": team_id, "member": member}, p, actor(p)),
        "ui.team_page",
        "Member added.",
        team_id=team_id,
    )


@bp.post("/teams/member_delete")
def team_member_delete() -> Response:
    team_id = _field("team_id")
    return _write(
        "/team/member_delete",
        lambda p: teams.member_delete({"team_id": team_id, "user_id": _field("user_id")}, p, actor(p)),
        "ui.team_page",
        "Member removed.",
        team_id=team_id,
    )


# --- users -----------------------------------------------------------------------------------

ROLES = ("internal_user", "internal_user_viewer", "proxy_admin_viewer", "org_admin", "proxy_admin")
USER_FIELDS = {
    "text": ("user_id", "user_email", "user_alias", "user_role", "budget_duration"),
    "lists": ("models",),
    "ints": ("rpm_limit", "tpm_limit"),
    "floats": ("max_budget",),
}


@bp.get("/users")
def users_page() -> str:
    principal = _acting("/user/list")
    page = page_arg()
    filters = {k: v for k in ("user_id", "user_email", "role", "team_id") if (v := text_arg(k))}
    listing = users.list_users(page, PAGE_SIZE, filters, principal)
    return render_template(
        "users.html", listing=listing, page=page, search=filters, done=request.args.get("done"), roles=ROLES
    )


@bp.post("/users/new")
def user_new() -> Any:
    principal = _acting("/user/new")
    body = {**form_body(**USER_FIELDS), "auto_create_key": "auto_create_key" in request.form}
    answer = users.new(body, principal, actor(principal))
    if answer.get("key"):  # the user's first key: shown once, like a generated one
        return render_template("key_secret.html", title=f"User {answer['user_id']} and its key", key=answer)
    return _back("ui.users_page", "User created.")


@bp.post("/users/update")
def user_update() -> Response:
    return _write(
        "/user/update",
        lambda p: users.update({"user_id": _field("user_id"), **form_body(text=("user_role",))}, p, actor(p)),
        "ui.users_page",
        "User updated.",
    )


@bp.post("/users/delete")
def user_delete() -> Response:
    return _write(
        "/user/delete",
        lambda p: users.delete({"user_ids": [_field("user_id")]}, p, actor(p)),
        "ui.users_page",
        "User deleted.",
    )


# --- organizations ---------------------------------------------------------------------------

ORG_FIELDS = {
    "text": ("organization_id", "organization_alias", "budget_duration"),
    "lists": ("models",),
    "ints": ("rpm_limit", "tpm_limit"),
    "floats": ("max_budget",),
}


@bp.get("/organizations")
def orgs_page() -> str:
    principal = _acting("/organization/list")
    page = page_arg()
    alias = text_arg("org_alias")
    rows = organizations.list_organizations(principal, page, PAGE_SIZE + 1, None, alias)
    return render_template(
        "orgs.html", rows=rows[:PAGE_SIZE], more=len(rows) > PAGE_SIZE, page=page,
        search={"org_alias": alias} if alias else {}, done=request.args.get("done"),
    )  # fmt: skip


@bp.get("/organizations/<organization_id>")
def org_page(organization_id: str) -> str:
    principal = _acting("/organization/info")
    org = organizations.info(organization_id, principal)
    return render_template("org.html", org=org, done=request.args.get("done"))


@bp.post("/organizations/member_add")
def org_member_add() -> Response:
    oid = _field("organization_id")
    member = form_body(text=("user_id", "user_email", "role"))
    return _write(
        "/organization/member_add",
        lambda p: organizations.member_add({"organization_id": oid, "member": member}, p, actor(p)),
        "ui.org_page",
        "Member added.",
        organization_id=oid,
    )


@bp.post("/organizations/member_delete")
def org_member_delete() -> Response:
    oid = _field("organization_id")
    body = {"organization_id": oid, "user_id": _field("user_id")}
    return _write(
        "/organization/member_delete",
        lambda p: organizations.member_delete(body, p, actor(p)),
        "ui.org_page",
        "Member removed.",
        organization_id=oid,
    )


@bp.post("/organizations/new")
def org_new() -> Response:
    return _write(
        "/organization/new",
        lambda p: organizations.new(form_body(**ORG_FIELDS), p, actor(p)),
        "ui.orgs_page",
        "Organization created.",
    )


@bp.post("/organizations/delete")
def org_delete() -> Response:
    return _write(
        "/organization/delete",
        lambda p: organizations.delete({"organization_ids": [_field("organization_id")]}, p, actor(p)),
        "ui.orgs_page",
        "Organization deleted.",
    )


# --- customers -------------------------------------------------------------------------------

CUSTOMER_FIELDS = {
    "text": ("user_id", "alias", "default_model", "budget_duration"),
    "lists": ("models",),
    "ints": ("rpm_limit", "tpm_limit"),
    "floats": ("max_budget",),
}


@bp.get("/customers")
def customers_page() -> str:
    _acting("/customer/list")
    page = page_arg()
    user_id, alias = text_arg("user_id"), text_arg("alias")
    rows = customers.list_customers(page, PAGE_SIZE + 1, user_id, alias)
    search = {k: v for k, v in (("user_id", user_id), ("alias", alias)) if v}
    return render_template(
        "customers.html", rows=rows[:PAGE_SIZE], more=len(rows) > PAGE_SIZE, page=page, search=search,
        done=request.args.get("done"),
    )  # fmt: skip


@bp.post("/customers/new")
def customer_new() -> Response:
    return _write(
        "/customer/new",
        lambda p: customers.new(form_body(**CUSTOMER_FIELDS), actor(p)),
        "ui.customers_page",
        "Customer created.",
    )


@bp.post("/customers/block")
def customer_block() -> Response:
    return _customer_blocked(True)


@bp.post("/customers/unblock")
def customer_unblock() -> Response:
    return _customer_blocked(False)


def _customer_blocked(blocked: bool) -> Response:
    return _write(
        "/customer/block" if blocked else "/customer/unblock",
        lambda p: customers.set_blocked({"user_ids": [_field("user_id")]}, blocked, actor(p)),
        "ui.customers_page",
        "Customer blocked." if blocked else "Customer unblocked.",
    )


@bp.post("/customers/delete")
def customer_delete() -> Response:
    return _write(
        "/customer/delete",
        lambda p: customers.delete({"user_ids": [_field("user_id")]}, actor(p)),
        "ui.customers_page",
        "Customer deleted.",
    )
