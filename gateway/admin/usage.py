"""`GET /usage/daily`: the daily roll-up of usage, for admins (any key) or a key (its own)."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Response, current_app, g, request

from ..clock import utcnow
from ..errors import BadRequest, PermissionDenied
from ..keys.secrets import to_hash
from ..usage.aggregate import daily
from . import bp
from .query import date_param, refuse_unknown

MAX_DAYS = 366


def _days_before(end: date, days: int) -> date:
    try:
        return end - timedelta(days=days)
    except OverflowError:  # an `end` within `days` of 0001-01-01: a 400, not a 500
        raise BadRequest("`end` is too early for the default range: give `start` too.", param="end") from None


@bp.get("/usage/daily")
def usage_daily() -> Response:
    refuse_unknown({"key", "start", "end"})
    principal = g.principal
    key = request.args.get("key")
    key_hash = to_hash(key) if key else None
    if not principal.is_admin:
        if key_hash not in (None, principal.key_hash) or principal.key_hash is None:
            raise PermissionDenied("Only proxy admins may read other keys' usage.")
        key_hash = principal.key_hash
    today = utcnow().date()
    end = date_param("end") or today
    start = date_param("start") or _days_before(end, 30)
    if start > end or (end - start).days > MAX_DAYS:
        raise BadRequest(f"`start` must be on or before `end`, at most {MAX_DAYS} days apart.", param="start")
    return current_app.json.response(
        {"start": start.isoformat(), "end": end.isoformat(), "data": daily(key_hash, start, end)}
    )
