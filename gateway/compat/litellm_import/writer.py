"""Writing the gateway's rows: upsert by primary key (a rerun changes nothing that is equal), an
audit event per change, and the checkpoint that lets a failed run resume after its last batch."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import String

from ... import audit
from ...clock import utcnow
from ...extensions import db
from ...models import ImportCheckpoint

ACTOR = "litellm-import"
DONE = '"done"'  # a checkpoint's last_key once its table is complete
OBJECT_TYPE = {
    "users": "user",
    "teams": "team",
    "team_memberships": "team_member",
    "organizations": "organization",
    "organization_memberships": "organization_member",
    "customers": "customer",
}
AUDIT_NAME = {"meta": "metadata"}


def too_long(model: type[db.Model], values: dict[str, Any]) -> str | None:
    """The first value that would not fit its String(n) column, as a reason to skip the row."""
    columns = model.__table__.columns
    for name, value in values.items():
        column = columns.get(AUDIT_NAME.get(name, name))
        if column is None or not isinstance(value, str):
            continue
        length = getattr(column.type, "length", None) if isinstance(column.type, String) else None
        if length is not None and len(value) > length:
            return f"`{column.name}` is longer than {length} characters"
    return None


def same(stored: Any, value: Any) -> bool:
    """Equal as stored: SQLite gives timestamps back without their zone (they were written in UTC)."""
    if isinstance(stored, datetime) and isinstance(value, datetime):
        return _aware(stored) == _aware(value)
    return stored == value


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _audited(values: dict[str, Any]) -> dict[str, Any]:
    return {AUDIT_NAME.get(n, n): v for n, v in values.items()}


def upsert(
    model: type[db.Model],
    identity: dict[str, Any],
    values: dict[str, Any],
    created_at: Any = None,
    object_id: str | None = None,
    row: Any = None,
    find: bool = True,
) -> tuple[str, Any]:
    """Insert the row, or set the values that differ: ("imported" | "updated" | "unchanged", row).
    Only a real change bumps `version` and `updated_at`, so running twice gives the same tables.
    `find=False`: the caller looked the row up itself (`row`, or None for a new one)."""
    columns = model.__table__.columns
    now = utcnow()
    if row is None and find:
        key = tuple(identity.values())
        row = db.session.get(model, key[0] if len(key) == 1 else key)
    table = model.__tablename__
    if row is None:
        extra: dict[str, Any] = {}
        if "created_at" in columns:
            extra["created_at"] = created_at or now
        if "updated_at" in columns:
            extra["updated_at"] = now
        if "version" in columns:
            extra["version"] = 1
        row = model(**identity, **values, **extra)
        db.session.add(row)
        if table in OBJECT_TYPE:
            audit.record(
                ACTOR,
                "create",
                OBJECT_TYPE[table],
                object_id or str(next(iter(identity.values()))),
                after=_audited({**identity, **values}),
            )
        return "imported", row
    changed = {n: v for n, v in values.items() if not same(getattr(row, n), v)}
    if not changed:
        return "unchanged", row
    before = {n: getattr(row, n) for n in changed}
    for name, value in changed.items():
        setattr(row, name, value)
    if "version" in columns:
        row.version += 1
    if "updated_at" in columns:
        row.updated_at = now
    if table in OBJECT_TYPE:
        audit.record(
            ACTOR,
            "update",
            OBJECT_TYPE[table],
            object_id or str(next(iter(identity.values()))),
            before=_audited(before),
            after=_audited(changed),
        )
    return "updated", row


def checkpoints(source_id: str) -> dict[str, ImportCheckpoint]:
    rows = db.session.scalars(sa.select(ImportCheckpoint).where(ImportCheckpoint.source == source_id))
    return {r.table_name: r for r in rows}


def save_checkpoint(source_id: str, table: str, last_key: Any, rows: int) -> None:
    """In the batch's own transaction: the checkpoint moves exactly when the batch commits."""
    encoded = last_key if last_key == DONE else json.dumps(last_key, default=str)
    row = db.session.get(ImportCheckpoint, (source_id, table))
    if row is None:
        db.session.add(
            ImportCheckpoint(
                source=source_id, table_name=table, last_key=encoded, rows=rows, updated_at=utcnow()
            )
        )
    else:
        row.last_key, row.rows, row.updated_at = encoded, rows, utcnow()


def clear_checkpoints(source_id: str) -> None:
    db.session.execute(sa.delete(ImportCheckpoint).where(ImportCheckpoint.source == source_id))
