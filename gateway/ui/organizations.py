"""The organizations pages: list, one organization's teams and members; new, edit, delete,
add/remove a member, through the organization service behind `/organization/*` after the route
table's check."""

from __future__ import annotations

from flask import Response, render_template, request

from ..admin import actor
from ..directory import organizations
from . import bp
from .acting import PAGE_SIZE, acting, edit, field, write
from .forms import form_body, page_arg, text_arg

ORG_FIELDS = {
    "text": ("organization_id", "organization_alias", "budget_duration"),
    "lists": ("models",),
    "ints": ("rpm_limit", "tpm_limit"),
    "floats": ("max_budget",),
}

ORG_EDIT = {
    "text": ("organization_alias", "budget_duration"),
    "lists": ("models",),
    "ints": ("rpm_limit", "tpm_limit"),
    "floats": ("max_budget",),
}


@bp.get("/organizations")
def orgs_page() -> str:
    principal = acting("/organization/list")
    page = page_arg()
    alias = text_arg("org_alias")
    rows = organizations.list_organizations(principal, page, PAGE_SIZE + 1, None, alias)
    return render_template(
        "orgs.html", rows=rows[:PAGE_SIZE], more=len(rows) > PAGE_SIZE, page=page,
        search={"org_alias": alias} if alias else {}, done=request.args.get("done"),
    )  # fmt: skip


@bp.get("/organizations/<organization_id>")
def org_page(organization_id: str) -> str:
    principal = acting("/organization/info")
    org = organizations.info(organization_id, principal)
    manages = organizations.manages(principal, organization_id)  # its org admins, beyond the table
    return render_template("org.html", org=org, manages=manages, done=request.args.get("done"))


@bp.post("/organizations/member_add")
def org_member_add() -> Response:
    oid = field("organization_id")
    member = form_body(text=("user_id", "user_email", "role"))
    return write(
        "/organization/member_add",
        lambda p: organizations.member_add({"organization_id": oid, "member": member}, p, actor(p)),
        "ui.org_page",
        "Member added.",
        organization_id=oid,
    )


@bp.post("/organizations/member_delete")
def org_member_delete() -> Response:
    oid = field("organization_id")
    body = {"organization_id": oid, "user_id": field("user_id")}
    return write(
        "/organization/member_delete",
        lambda p: organizations.member_delete(body, p, actor(p)),
        "ui.org_page",
        "Member removed.",
        organization_id=oid,
    )


@bp.post("/organizations/new")
def org_new() -> Response:
    return write(
        "/organization/new",
        lambda p: organizations.new(form_body(**ORG_FIELDS), p, actor(p)),
        "ui.orgs_page",
        "Organization created.",
    )


@bp.post("/organizations/delete")
def org_delete() -> Response:
    return write(
        "/organization/delete",
        lambda p: organizations.delete({"organization_ids": [field("organization_id")]}, p, actor(p)),
        "ui.orgs_page",
        "Organization deleted.",
    )


@bp.post("/organizations/update")
def org_update() -> Response:
    oid = field("organization_id")
    return edit(
        "/organization/update",
        ORG_EDIT,
        lambda p: organizations.info(oid, p),
        lambda p, body: organizations.update({"organization_id": oid, **body}, p, actor(p)),
        "ui.org_page",
        organization_id=oid,
    )
