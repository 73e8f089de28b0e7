"""What the user and team services share: rows as JSON, applying settings, committing with invalidation."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..clock import iso, utcnow
from ..durations import parse_duration
from ..errors import BadRequest
from ..extensions import db
from ..models import DeprecatedToken, VerificationToken
from ..stages import stages

COLUMN_OF = {"metadata": "meta"}


def view(row: Any, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """Every column under its API name (`metadata`, not `meta`), timestamps as ISO 8601."""
    out: dict[str, Any] = {}
    skip = set(exclude)
    for column in row.__table__.columns:
        if column.name in skip:
            continue
        value = getattr(row, COLUMN_OF.get(column.name, column.name))
        out[column.name] = iso(value) if hasattr(value, "isoformat") else value
    return out


def apply(row: Any, values: dict[str, Any]) -> None:
    """Set validated settings; a `budget_duration` also sets the next reset; null leaves a
    column that cannot be null (`blocked`) as it is."""
    columns = row.__table__.columns
    for name, value in values.items():
        if value is None and name in columns and not columns[name].nullable:
            continue
        if name == "budget_duration":
            row.budget_reset_at = utcnow() + parse_duration(value) if value else None
        setattr(row, COLUMN_OF.get(name, name), value)


def key_tokens(where: sa.ColumnElement[bool]) -> list[str]:
    """The hashes of the keys matching `where`, with their deprecated hashes still in grace:
    every cached record that changes when those keys' owner does. Their `version` is bumped,
    as a key's own change does: the versioned L2 write then replaces the older record."""
    tokens = list(db.session.scalars(sa.select(VerificationToken.token).where(where)))
    if not tokens:
        return []
    db.session.execute(
        sa.update(VerificationToken)
        .where(VerificationToken.token.in_(tokens))
        .values(version=VerificationToken.version + 1)
        .execution_options(synchronize_session=False)
    )
    older = db.session.scalars(sa.select(DeprecatedToken.token).where(DeprecatedToken.new_token.in_(tokens)))
    return [*tokens, *older]


def commit(
    stale: Iterable[str] = (), conflict: str = "This object already exists.", param: str | None = None
) -> None:
    """Commit (a constraint violation is a 400), then drop every changed key record everywhere."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise BadRequest(conflict, param=param) from None
    # Even with no key record to drop: the message bumps every process's key-cache epoch, which
    # the JWT callers' directory cache follows (auth/jwt/directory.py), so a team with no keys
    # is felt at once too.
    stages().keycache.invalidate(list(stale))


def page_of(query: sa.Select, order: tuple[Any, ...], page: int, size: int) -> tuple[list[Any], int]:
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(query.order_by(*order).offset((page - 1) * size).limit(size)).all()
    return list(rows), total
