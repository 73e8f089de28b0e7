"""`GET /usage/daily`: the daily roll-up of usage, for admins (any key) or a key (its own)."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Response, current_app, g

from ..clock import utcnow
from ..errors import BadRequest, PermissionDenied
from ..keys.secrets import to_hash
from ..usage.aggregate import daily, daily_by
from . import bp
from .params import UsageDailyQuery
from .query import parse_query

MAX_DAYS = 366


def _days_before(end: date, days: int) -> date:
    try:
        return end - timedelta(days=days)
    except OverflowError:  # an `end` within `days` of 0001-01-01: a 400, not a 500
        raise BadRequest("`end` is too early for the default range: give `start` too.", param="end") from None


@bp.get("/usage/daily")
def usage_daily() -> Response:
    q = parse_query(UsageDailyQuery)
    principal = g.principal
    key_hash = to_hash(q.key) if q.key else None
    if not principal.is_admin:
        if key_hash not in (None, principal.key_hash) or principal.key_hash is None:
            raise PermissionDenied("Only proxy admins may read other keys' usage.")
        key_hash = principal.key_hash
    today = utcnow().date()
    end = q.end or today
    start = q.start or _days_before(end, 30)
    if start > end or (end - start).days > MAX_DAYS:
        raise BadRequest(f"`start` must be on or before `end`, at most {MAX_DAYS} days apart.", param="start")
    # group_by: from usage_logs (the roll-up is per key); a non-admin's rows are its own key's.
    data = daily_by(q.group_by, key_hash, start, end) if q.group_by else daily(key_hash, start, end)
    return current_app.json.response({"start": start.isoformat(), "end": end.isoformat(), "data": data})
