"""The usage page: spend and requests per day, as charts, per key, team, user or model.

Read from `usage_logs` (what `/spend/logs` reads), summed per UTC day and series by the
database; admins and admin viewers see every caller's usage, anyone else their own."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask import render_template, request

from ..clock import utcnow
from ..directory import access
from ..errors import BadRequest
from ..extensions import db
from ..models import UsageLog, VerificationToken
from . import bp
from .permit import require
from .session import require_login

DIMENSIONS = {
    "key": UsageLog.key_hash,
    "team": UsageLog.team_id,
    "user": UsageLog.user_id,
    "model": UsageLog.model,
}
SERIES = 8  # the biggest spenders get a line each; the rest are summed as "other"


def _utc_day(column: Any) -> Any:
    """The UTC calendar day of a timestamp, in SQL (PostgreSQL would use the session's zone)."""
    if db.engine.dialect.name == "postgresql":
        return sa.cast(sa.func.timezone("UTC", column), sa.Date)
    return sa.func.date(column)  # SQLite keeps the UTC time as text


def _days() -> int:
    raw = request.args.get("days", "30")
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 366:
        raise BadRequest("`days` must be a whole number from 1 to 366.", param="days")
    return int(raw)


def _labels(dimension: str, ids: list[str]) -> dict[str, str]:
    """How a series is named: a key by its alias or `sk-...abcd`, never its hash alone."""
    if dimension != "key":
        return {i: i or "(none)" for i in ids}
    rows = db.session.execute(
        sa.select(VerificationToken.token, VerificationToken.key_alias, VerificationToken.key_name).where(
            VerificationToken.token.in_([i for i in ids if i])
        )
    )
    names = {token: alias or name for token, alias, name in rows}
    return {i: names.get(i, (i or "")[:10] + "…" if i else "(no key)") for i in ids}


def usage_series(dimension: str, days: int, user_id: str | None) -> dict[str, Any]:
    """Per day of the range, spend and requests of each of the top series."""
    column = DIMENSIONS[dimension]
    end = utcnow().date()
    start = end - timedelta(days=days - 1)
    since = datetime.combine(start, time.min, tzinfo=UTC)
    day = _utc_day(UsageLog.created_at)
    query = (
        sa.select(day, column, sa.func.sum(UsageLog.cost), sa.func.count())
        .where(UsageLog.created_at >= since)
        .group_by(day, column)
    )
    if user_id is not None:
        query = query.where(UsageLog.user_id == user_id)
    spend: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    calls: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for on, ident, cost, count in db.session.execute(query):
        key = on.isoformat() if isinstance(on, date) else str(on)
        spend[ident or ""][key] += cost or 0.0
        calls[ident or ""][key] += count
    ranked = sorted(spend, key=lambda i: (-sum(spend[i].values()), -sum(calls[i].values()), i))
    top, rest = ranked[:SERIES], ranked[SERIES:]
    labels = _labels(dimension, top)
    dates = [(start + timedelta(days=n)).isoformat() for n in range(days)]

    def series(source: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        out = [{"label": labels[i], "data": [round(source[i].get(d, 0), 6) for d in dates]} for i in top]
        if rest:
            out.append({"label": "other", "data": [sum(source[i].get(d, 0) for i in rest) for d in dates]})
        return out

    totals = [
        {"label": labels[i], "spend": sum(spend[i].values()), "requests": sum(calls[i].values())} for i in top
    ]
    return {"dates": dates, "spend": series(spend), "requests": series(calls), "totals": totals}


@bp.get("/usage")
def usage_page() -> str:
    principal = require_login()
    require(principal, "/spend/logs")
    dimension = request.args.get("by", "model")
    if dimension not in DIMENSIONS:
        raise BadRequest("`by` must be one of key, team, user, model.", param="by")
    days = _days()
    own = None if access.reads_all(principal) else principal.user_id or ""
    data = usage_series(dimension, days, own)
    return render_template("usage.html", data=data, by=dimension, days=days, dimensions=list(DIMENSIONS))
