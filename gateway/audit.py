"""Audit events for any object: who, what, which object, before/after of the changed fields only."""

from __future__ import annotations

from typing import Any

from .clock import utcnow
from .extensions import db
from .models import AuditEvent

SECRET_FIELDS = frozenset({"key", "token", "password"})


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields whose value differs, each side; never a secret."""
    names = sorted(n for n in set(before) | set(after) if n not in SECRET_FIELDS)
    changed = [n for n in names if before.get(n) != after.get(n)]
    return (
        {n: _plain(before.get(n)) for n in changed if n in before},
        {n: _plain(after.get(n)) for n in changed if n in after},
    )


def record(
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    old, new = changes(before or {}, after or {})
    db.session.add(
        AuditEvent(
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            detail={"before": old, "after": new},
            created_at=utcnow(),
        )
    )
