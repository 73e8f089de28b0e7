"""Paging and time-range query parameters of the directory and audit lists, read one way."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask import request

from ..errors import BadRequest
from ..extensions import db


def int_param(name: str, default: int, low: int, high: int) -> int:
    """A whole number from `low` to `high`, ASCII digits only and never longer than `high`."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(high)) or not low <= int(raw) <= high:
        raise BadRequest(f"`{name}` must be a whole number from {low} to {high}.", param=name)
    return int(raw)


def time_param(name: str, end: bool = False) -> datetime | None:
    """An ISO date (`2026-01-31`: its start, or with `end` the start of the next day) or an ISO
    date-time (naive means UTC); None when absent."""
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            return datetime.combine(day + timedelta(days=1) if end else day, time.min, tzinfo=UTC)
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise BadRequest(
            f"`{name}` must be a date (2026-01-31) or a date-time (2026-01-31T12:00:00Z).", param=name
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def page_of(query: sa.Select[Any], page: int, size: int) -> tuple[list[Any], int]:
    """One page of `query`'s rows and the total count of the unpaged query."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = list(db.session.scalars(query.limit(size).offset((page - 1) * size)))
    return rows, total


def pages(total: int, size: int) -> int:
    return (total + size - 1) // size
