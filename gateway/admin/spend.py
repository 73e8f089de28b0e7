"""`GET /spend/logs` (LiteLLM's): one row per proxied request from usage_logs, or with both
`start_date` and `end_date` one entry per day; admins see every key, anyone else only their own."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Response, current_app, g

from ..clock import as_utc
from ..errors import BadRequest, PermissionDenied
from ..extensions import db
from ..keys.secrets import to_hash
from ..models import UsageLog
from ..values import Principal
from . import bp
from .params import SpendLogsQuery
from .query import parse_query

MAX_ROWS = 1000  # newest first; LiteLLM returns every row, which no client can hold for long
MAX_DAYS = 366


def _scope(principal: Principal, key_hash: str | None, user_id: str | None) -> list[Any]:
    """The WHERE clauses: the filters asked for, narrowed to the caller's own rows unless admin."""
    if not principal.is_admin:
        own_key, own_user = principal.key_hash, principal.user_id
        if key_hash not in (None, own_key) or user_id not in (None, own_user) or not (own_key or own_user):
            raise PermissionDenied("Only proxy admins may read other keys' or users' spend logs.")
        key_hash, user_id = own_key, (None if own_key else own_user)
    where = []
    if key_hash is not None:
        where.append(UsageLog.key_hash == key_hash)
    if user_id is not None:
        where.append(UsageLog.user_id == user_id)
    return where


def _row(r: UsageLog) -> dict[str, Any]:
    started = as_utc(r.created_at)
    return {
        "request_id": r.request_id,
        "api_key": r.key_hash or "",
        "user": r.user_id or "",
        "team_id": r.team_id or "",
        "organization_id": r.organization_id or "",
        "end_user": r.end_user or "",
        "model": r.model,
        "model_group": r.model,
        "model_id": r.deployment or "",
        "status": "success" if r.status < 400 else "failure",
        "status_code": r.status,
        "auth_method": r.auth_method,
        "spend": r.cost,
        "prompt_tokens": r.prompt_tokens,
        "completion_tokens": r.completion_tokens,
        "total_tokens": r.prompt_tokens + r.completion_tokens,
        "startTime": started.isoformat(),
        "endTime": (started + timedelta(milliseconds=r.latency_ms)).isoformat(),
        "request_duration_ms": r.latency_ms,
    }


def _by_day(where: list[Any], start: date, end: date) -> list[dict[str, Any]]:
    """LiteLLM's grouped answer: per day the total, and the spend per user, per model, per key."""
    if start > end or (end - start).days > MAX_DAYS:
        raise BadRequest(
            f"`start_date` must be on or before `end_date`, at most {MAX_DAYS} days apart.",
            param="start_date",
        )
    since = datetime.combine(start, time.min, tzinfo=UTC)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC)  # end_date is inclusive
    days: dict[date, dict[str, Any]] = {}
    day = start
    while day <= end:  # every day of the range, zero when nothing was spent
        days[day] = {"startTime": day.isoformat(), "spend": 0.0, "users": {}, "models": {}}
        day += timedelta(days=1)
    rows = db.session.execute(
        sa.select(UsageLog.created_at, UsageLog.key_hash, UsageLog.user_id, UsageLog.model, UsageLog.cost)
        .where(UsageLog.created_at >= since, UsageLog.created_at < until, *where)
        .order_by(UsageLog.created_at)
    )
    for created, key_hash, user_id, model, cost in rows:
        entry = days[as_utc(created).date()]
        entry["spend"] += cost
        entry["users"][user_id or ""] = entry["users"].get(user_id or "", 0.0) + cost
        entry["models"][model] = entry["models"].get(model, 0.0) + cost
        entry[key_hash or ""] = entry.get(key_hash or "", 0.0) + cost
    return list(days.values())


@bp.get("/spend/logs")
def spend_logs() -> Response:
    q = parse_query(SpendLogsQuery)
    where = _scope(g.principal, to_hash(q.api_key) if q.api_key else None, q.user_id)
    if q.request_id is not None:
        where.append(UsageLog.request_id == q.request_id)
    if q.team_id is not None:
        if not g.principal.is_admin and q.team_id != g.principal.team_id:
            raise PermissionDenied("Only proxy admins may read another team's spend logs.", param="team_id")
        where.append(UsageLog.team_id == q.team_id)
    if q.end_user is not None:
        where.append(UsageLog.end_user == q.end_user)  # a non-admin's rows are its own key's already
    start, end = q.start_date, q.end_date
    if start is not None and end is not None:
        return current_app.json.response(_by_day(where, start, end))
    if start is not None:
        where.append(UsageLog.created_at >= datetime.combine(start, time.min, tzinfo=UTC))
    if end is not None:
        where.append(UsageLog.created_at < datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC))
    rows = db.session.scalars(
        sa.select(UsageLog).where(*where).order_by(UsageLog.created_at.desc()).limit(MAX_ROWS)
    )
    return current_app.json.response([_row(r) for r in rows])
