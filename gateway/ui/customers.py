"""The customers pages: list, search, one customer; new, edit, block/unblock, delete, through
the customer service behind `/customer/*` after the route table's check."""

from __future__ import annotations

from flask import Response, render_template, request

from ..admin import actor
from ..directory import customers
from . import bp
from .acting import PAGE_SIZE, acting, edit, field, write
from .forms import form_body, page_arg, text_arg

CUSTOMER_FIELDS = {
    "text": ("user_id", "alias", "default_model", "budget_duration"),
    "lists": ("models",),
    "ints": ("rpm_limit", "tpm_limit"),
    "floats": ("max_budget",),
}

CUSTOMER_EDIT = {
    "text": ("alias", "default_model", "budget_duration"),
    "lists": ("models",),
    "ints": ("rpm_limit", "tpm_limit"),
    "floats": ("max_budget",),
}


@bp.get("/customers")
def customers_page() -> str:
    acting("/customer/list")
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
    return write(
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
    return write(
        "/customer/block" if blocked else "/customer/unblock",
        lambda p: customers.set_blocked({"user_ids": [field("user_id")]}, blocked, actor(p)),
        "ui.customers_page",
        "Customer blocked." if blocked else "Customer unblocked.",
    )


@bp.post("/customers/delete")
def customer_delete() -> Response:
    return write(
        "/customer/delete",
        lambda p: customers.delete({"user_ids": [field("user_id")]}, actor(p)),
        "ui.customers_page",
        "Customer deleted.",
    )


@bp.get("/customers/<user_id>")
def customer_page(user_id: str) -> str:
    acting("/customer/info")
    return render_template("customer.html", c=customers.info(user_id), done=request.args.get("done"))


@bp.post("/customers/update")
def customer_update() -> Response:
    user_id = field("user_id")
    return edit(
        "/customer/update",
        CUSTOMER_EDIT,
        lambda p: customers.info(user_id),
        lambda p, body: customers.update({"user_id": user_id, **body}, actor(p)),
        "ui.customer_page",
        user_id=user_id,
    )
