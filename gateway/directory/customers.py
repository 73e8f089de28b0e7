"""Customers, LiteLLM's end users (/customer/*, /end_user/*): validate → write → audit → commit.

Blocking is recorded here; refusing a blocked customer's requests (named by the body's `user`
or `x-litellm-end-user-id`) is the hot path's business and comes with issue 16, which caches
customers beside keys: a database read per request is not allowed there.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..audit import record as audit
from ..clock import utcnow
from ..errors import BadRequest, NotFound
from ..extensions import db
from ..models import Customer
from ..stages import stages
from . import customer_fields as fields
from .common import apply
from .common import view as plain

BUDGET_FIELDS = ("max_budget", "budget_duration", "budget_reset_at", "tpm_limit", "rpm_limit")


def customer_view(row: Customer) -> dict[str, Any]:
    """LiteLLM_EndUserTable, its budget also as `litellm_budget_table` where LiteLLM keeps it."""
    out = plain(row)
    out["allowed_model_region"] = None
    out["budget_id"] = None
    out["litellm_budget_table"] = {name: out.get(name) for name in BUDGET_FIELDS}
    return out


def _row(user_id: str) -> Customer:
    row = db.session.get(Customer, user_id)
    if row is None:
        raise NotFound(f"Customer not found: {user_id}", param="user_id")
    return row


def _check_default_model(values: dict[str, Any]) -> None:
    model = values.get("default_model")
    if model is not None and model not in stages().proxy.model_names():
        raise BadRequest(
            f"`default_model` {model!r} is not in the model_list (GET /models lists them).",
            param="default_model",
        )


def _commit(ids: list[str], conflict: str = "This customer already exists.") -> None:
    """Commit, then every instance drops its cached snapshots of these customers (keycache)."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise BadRequest(conflict, param="user_id") from None
    stages().keycache.invalidate_customers(ids)


def _fresh(user_id: str) -> Customer:
    now = utcnow()
    return Customer(
        user_id=user_id, models=[], spend=0.0, blocked=False, created_at=now, updated_at=now, version=1
    )


def new(body: dict[str, Any], actor: str) -> dict[str, Any]:
    values = fields.validate(body, fields.NewCustomerRequest)
    _check_default_model(values)
    user_id = values.pop("user_id")
    if db.session.get(Customer, user_id) is not None:
        raise BadRequest(
            f"Customer already exists, passed user_id={user_id}. Pass a new user_id.", param="user_id"
        )
    row = _fresh(user_id)
    apply(row, values)
    db.session.add(row)
    db.session.flush()
    audit(actor, "create", "customer", user_id, after=plain(row))
    _commit([user_id])
    return customer_view(row)


def info(user_id: str) -> dict[str, Any]:
    return customer_view(_row(user_id))


def update(body: dict[str, Any], actor: str) -> dict[str, Any]:
    values = fields.validate(body, fields.UpdateCustomerRequest)
    _check_default_model(values)
    row = _row(values.pop("user_id"))
    before = plain(row)
    apply(row, values)
    row.version += 1
    row.updated_at = utcnow()
    db.session.flush()
    audit(actor, "update", "customer", row.user_id, before=before, after=plain(row))
    _commit([row.user_id])
    return customer_view(row)


def delete(body: dict[str, Any], actor: str) -> dict[str, Any]:
    """Every customer named, or none (an unknown id is a 404 before anything is deleted)."""
    ids = list(dict.fromkeys(fields.validate(body, fields.DeleteCustomerRequest)["user_ids"]))
    rows = [db.session.get(Customer, i) for i in ids]
    missing = [i for i, r in zip(ids, rows, strict=True) if r is None]
    if missing:
        raise NotFound(f"Customer not found: {missing[0]}", param="user_ids")
    for row in rows:
        audit(actor, "delete", "customer", row.user_id, before=plain(row))
        db.session.delete(row)
    _commit(ids)
    return {"deleted_customers": len(ids), "message": f"Successfully deleted customers with ids: {ids}"}


def set_blocked(body: dict[str, Any], blocked: bool, actor: str) -> dict[str, Any]:
    """LiteLLM's block upserts: blocking an id never seen creates the customer, blocked.
    Unblocking an unknown id is a 404 (there is nothing to unblock)."""
    ids = list(dict.fromkeys(fields.validate(body, fields.BlockCustomersRequest)["user_ids"]))
    rows = []
    for user_id in ids:
        row = db.session.get(Customer, user_id)
        if row is None and not blocked:
            raise NotFound(f"Customer not found: {user_id}", param="user_ids")
        if row is None:
            row = _fresh(user_id)
            db.session.add(row)
            before: dict[str, Any] = {}
        else:
            before = plain(row)
            row.version += 1
        row.blocked = blocked
        row.updated_at = utcnow()
        db.session.flush()
        audit(actor, "block" if blocked else "unblock", "customer", user_id, before=before, after=plain(row))
        rows.append(row)
    _commit(ids)
    return {"blocked_users": [customer_view(r) for r in rows]}


def list_customers(page: int, size: int, user_id: str | None, alias: str | None) -> list[dict[str, Any]]:
    query = sa.select(Customer).order_by(Customer.created_at, Customer.user_id)
    if user_id is not None:
        query = query.where(Customer.user_id == user_id)
    if alias is not None:
        query = query.where(Customer.alias == alias)
    return [customer_view(r) for r in db.session.scalars(query.limit(size).offset((page - 1) * size))]
