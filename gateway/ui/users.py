"""The users page: list, search, paging; new (its first key shown once), set the role, delete,
through the user service behind `/user/*` after the route table's check."""

from __future__ import annotations

from typing import Any

from flask import Response, render_template, request

from ..admin import actor
from ..directory import users
from . import bp
from .acting import PAGE_SIZE, acting, back, field, write
from .forms import form_body, page_arg, text_arg

ROLES = ("internal_user", "internal_user_viewer", "proxy_admin_viewer", "org_admin", "proxy_admin")
USER_FIELDS = {
    "text": ("user_id", "user_email", "user_alias", "user_role", "budget_duration"),
    "lists": ("models",),
    "ints": ("rpm_limit", "tpm_limit"),
    "floats": ("max_budget",),
}


@bp.get("/users")
def users_page() -> str:
    principal = acting("/user/list")
    page = page_arg()
    filters = {k: v for k in ("user_id", "user_email", "role", "team_id") if (v := text_arg(k))}
    listing = users.list_users(page, PAGE_SIZE, filters, principal)
    return render_template(
        "users.html", listing=listing, page=page, search=filters, done=request.args.get("done"), roles=ROLES
    )


@bp.post("/users/new")
def user_new() -> Any:
    principal = acting("/user/new")
    body = {**form_body(**USER_FIELDS), "auto_create_key": "auto_create_key" in request.form}
    answer = users.new(body, principal, actor(principal))
    if answer.get("key"):  # the user's first key: shown once, like a generated one
        return render_template("key_secret.html", title=f"User {answer['user_id']} and its key", key=answer)
    return back("ui.users_page", "User created.")


@bp.post("/users/update")
def user_update() -> Response:
    return write(
        "/user/update",
        lambda p: users.update({"user_id": field("user_id"), **form_body(text=("user_role",))}, p, actor(p)),
        "ui.users_page",
        "User updated.",
    )


@bp.post("/users/delete")
def user_delete() -> Response:
    return write(
        "/user/delete",
        lambda p: users.delete({"user_ids": [field("user_id")]}, p, actor(p)),
        "ui.users_page",
        "User deleted.",
    )
