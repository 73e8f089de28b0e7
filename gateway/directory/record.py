"""What the organization and customer services share: a row as JSON, settings applied, an audit event.

(Helper A's gateway/directory/common.py and audit.py do the same for users and teams; once both
branches are in, these three functions can be theirs.)
"""

from __future__ import annotations

from typing import Any

from ..clock import iso, utcnow
from ..durations import parse_duration
from ..extensions import db
from ..models import AuditEvent

COLUMN_OF = {"metadata": "meta"}
SECRET_FIELDS = frozenset({"key", "token", "password"})


def plain(row: Any, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every column under its API name (`metadata`, not `meta`), timestamps as ISO 8601."""
    out: dict[str, Any] = {}
    for column in row.__table__.columns:
        if column.name not in exclude:
            value = getattr(row, COLUMN_OF.get(column.name, column.name))
            out[column.name] = iso(value) if hasattr(value, "isoformat") else value
    return out


def apply(row: Any, values: dict[str, Any]) -> None:
    """Set validated settings; `budget_duration` also sets the next reset; null leaves a column
    that cannot be null (`blocked`, `models`) as it is."""
    columns = row.__table__.columns
    for name, value in values.items():
        if value is None and name in columns and not columns[name].nullable:
            continue
        if name == "budget_duration":
            row.budget_reset_at = utcnow() + parse_duration(value) if value else None
        setattr(row, COLUMN_OF.get(name, name), value)


def audit(
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """One event: the fields whose value changed, each side, never a secret."""
    before, after = before or {}, after or {}
    names = sorted(n for n in set(before) | set(after) if n not in SECRET_FIELDS)
    changed = [n for n in names if before.get(n) != after.get(n)]
    db.session.add(
        AuditEvent(
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            detail={
                "before": {n: before[n] for n in changed if n in before},
                "after": {n: after[n] for n in changed if n in after},
            },
            created_at=utcnow(),
        )
    )
