"""aggregate_usage: roll usage_logs into daily_usage, recomputing whole days (idempotent)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from ..clock import as_utc, utcnow
from ..extensions import db
from ..models import DailyUsage, GatewayMeta, UsageLog

WATERMARK = "usage.aggregated_through_id"


def _days_to_recompute() -> tuple[set[date], int]:
    """Days with rows newer than the watermark, plus today and yesterday (rows may land late)."""
    row = db.session.get(GatewayMeta, WATERMARK)
    since = int(row.value) if row else 0
    top = db.session.scalar(sa.select(sa.func.max(UsageLog.id))) or 0
    created = db.session.scalars(
        sa.select(UsageLog.created_at).where(UsageLog.id > since, UsageLog.id <= top)
    )
    days = {as_utc(c).date() for c in created}
    today = utcnow().date()
    return days | {today, today - timedelta(days=1)}, top


def _recompute(day: date) -> None:
    start = datetime.combine(day, time.min, tzinfo=UTC)
    t = UsageLog.__table__
    # A literal, not a bound parameter: PostgreSQL must see the same expression in GROUP BY.
    key = sa.func.coalesce(t.c.key_hash, sa.literal_column("''"))
    totals = db.session.execute(
        sa.select(
            key,
            t.c.model,
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(t.c.prompt_tokens), 0),
            sa.func.coalesce(sa.func.sum(t.c.completion_tokens), 0),
            sa.func.coalesce(sa.func.sum(t.c.cost), 0.0),
            sa.func.coalesce(sa.func.sum(sa.case((t.c.status >= 400, 1), else_=0)), 0),
        )
        .where(t.c.created_at >= start, t.c.created_at < start + timedelta(days=1))
        .group_by(key, t.c.model)
    ).all()
    db.session.execute(sa.delete(DailyUsage).where(DailyUsage.day == day))
    db.session.add_all(
        DailyUsage(
            day=day,
            key_hash=k,
            model=m,
            requests=n,
            prompt_tokens=p,
            completion_tokens=c,
            cost=cost,
            errors=e,
        )
        for k, m, n, p, c, cost, e in totals
    )


def aggregate() -> int:
    """Recompute every affected day in one transaction; returns how many days."""
    days, top = _days_to_recompute()
    for day in sorted(days):
        _recompute(day)
    mark = db.session.get(GatewayMeta, WATERMARK)
    if mark is None:
        db.session.add(GatewayMeta(name=WATERMARK, value=str(top), updated_at=utcnow()))
    else:
        mark.value, mark.updated_at = str(top), utcnow()
    db.session.commit()
    return len(days)


GROUPS = ("team_id", "user_id", "organization_id", "end_user")


def daily_by(group: str, key_hash: str | None, start: date, end: date) -> list[dict]:
    """Per day, per team (user, organization or customer) and model, from usage_logs."""
    t = UsageLog.__table__
    column = t.c[group]
    day = sa.func.date(t.c.created_at)
    since = datetime.combine(start, time.min, tzinfo=UTC)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC)
    query = (
        sa.select(
            day, column, t.c.model, sa.func.count(),
            sa.func.coalesce(sa.func.sum(t.c.prompt_tokens), 0),
            sa.func.coalesce(sa.func.sum(t.c.completion_tokens), 0),
            sa.func.coalesce(sa.func.sum(t.c.cost), 0.0),
            sa.func.coalesce(sa.func.sum(sa.case((t.c.status >= 400, 1), else_=0)), 0),
        )
        .where(t.c.created_at >= since, t.c.created_at < until)
        .group_by(day, column, t.c.model)
        .order_by(day, column, t.c.model)
    )  # fmt: skip
    if key_hash is not None:
        query = query.where(t.c.key_hash == key_hash)
    return [
        {
            "day": str(d), group: g, "model": m, "requests": n, "prompt_tokens": p,
            "completion_tokens": c, "cost": cost, "errors": e,
        }
        for d, g, m, n, p, c, cost, e in db.session.execute(query)
    ]  # fmt: skip


def daily(key_hash: str | None, start: date, end: date) -> list[dict]:
    query = sa.select(DailyUsage).where(DailyUsage.day >= start, DailyUsage.day <= end)
    if key_hash is not None:
        query = query.where(DailyUsage.key_hash == key_hash)
    rows = db.session.scalars(query.order_by(DailyUsage.day, DailyUsage.key_hash, DailyUsage.model))
    return [
        {
            "day": r.day.isoformat(),
            "key": r.key_hash or None,
            "model": r.model,
            "requests": r.requests,
            "prompt_tokens": r.prompt_tokens,
            "completion_tokens": r.completion_tokens,
            "cost": r.cost,
            "errors": r.errors,
        }
        for r in rows
    ]
