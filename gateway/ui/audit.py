"""The audit log page: `/audit`'s events (admin/audit.py list_events), newest first, filtered."""

from __future__ import annotations

from flask import render_template, request

from ..admin.audit import OBJECT_TYPES, list_events
from ..errors import BadRequest
from . import bp
from .forms import page_arg, text_arg
from .permit import require
from .session import require_login

PAGE_SIZE = 50


@bp.get("/audit")
def audit_page() -> str:
    principal = require_login()
    require(principal, "/audit")
    filters = {k: v for k in ("object_type", "object_id", "actor", "action") if (v := text_arg(k))}
    if filters.get("object_type") not in (None, *OBJECT_TYPES):
        raise BadRequest("`object_type` must be one of " + ", ".join(OBJECT_TYPES) + ".", param="object_type")
    page = page_arg()
    listing = list_events(filters, None, None, page, PAGE_SIZE)
    return render_template(
        "audit.html", listing=listing, page=page, search=filters, object_types=OBJECT_TYPES,
        query=request.args,
    )  # fmt: skip
