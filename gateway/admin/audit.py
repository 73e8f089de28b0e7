"""`GET /audit`: the audit log, newest first, a page at a time, filtered (admins and admin viewers).

Every change to a key, user, team, membership, organization or customer is one event: who
acted, what they did, to which object, and the changed fields before and after. Events hold
no secret: a key is named by its hash (its id everywhere in the API), never its plaintext.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import sqlalchemy as sa
from flask import Response, current_app, request
from pydantic import BaseModel, Field

from ..clock import iso
from ..errors import BadRequest
from ..keys.checks import OptText
from ..models import AuditEvent
from ..validation import STRICT, parse
from . import bp
from .paging import int_param, page_of, pages, time_param
from .query import refuse_unknown

OBJECT_TYPES = ("key", "user", "team", "team_member", "organization", "organization_member", "customer")
PAGING = ("start_date", "end_date", "page", "page_size")


class AuditFilters(BaseModel):
    """GET /audit's text filters (a NUL would reach PostgreSQL as a 500)."""

    model_config = STRICT

    object_type: Annotated[
        Literal["key", "user", "team", "team_member", "organization", "organization_member", "customer"]
        | None,
        Field(description="must be one of " + ", ".join(f"`{t}`" for t in OBJECT_TYPES)),
    ] = None
    object_id: OptText = None
    actor: OptText = None
    action: OptText = None


PARAMS = frozenset({*AuditFilters.model_fields, *PAGING})


def event_view(e: AuditEvent) -> dict[str, Any]:
    detail = dict(e.detail or {})
    return {
        "id": e.id,
        "created_at": iso(e.created_at),
        "actor": e.actor,
        "action": e.action,
        "object_type": e.object_type or ("key" if e.key_hash else None),
        "object_id": e.object_id or e.key_hash,
        "before": detail.pop("before", None),
        "after": detail.pop("after", None),
        "detail": detail,
    }


def list_events(filters: dict[str, Any], since: Any, until: Any, page: int, size: int) -> dict[str, Any]:
    """The events matching every filter given, newest first; the shape of LiteLLM's `/audit`."""
    query = sa.select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    if filters.get("object_type"):
        query = query.where(AuditEvent.object_type == filters["object_type"])
    if filters.get("object_id"):
        oid = filters["object_id"]
        query = query.where(sa.or_(AuditEvent.object_id == oid, AuditEvent.key_hash == oid))
    for name in ("actor", "action"):
        if filters.get(name):
            query = query.where(getattr(AuditEvent, name) == filters[name])
    if since is not None:
        query = query.where(AuditEvent.created_at >= since)
    if until is not None:
        query = query.where(AuditEvent.created_at < until)
    rows, total = page_of(query, page, size)
    return {
        "audit_logs": [event_view(e) for e in rows],
        "total": total,
        "page": page,
        "page_size": size,
        "total_pages": pages(total, size),
    }


@bp.get("/audit")
def audit() -> Response:
    refuse_unknown(PARAMS)
    filters = parse(AuditFilters, {k: v for k, v in request.args.items() if k in AuditFilters.model_fields})
    since, until = time_param("start_date"), time_param("end_date", end=True)
    if since is not None and until is not None and since >= until:
        raise BadRequest("`start_date` must be before `end_date`.", param="start_date")
    body = list_events(
        filters.model_dump(exclude_none=True),
        since,
        until,
        int_param("page", 1, 1, 1_000_000),
        int_param("page_size", 50, 1, 500),
    )
    return current_app.json.response(body)
