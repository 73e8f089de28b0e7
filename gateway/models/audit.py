"""audit_events: who did what to which object, when (a key by its hash, never its plaintext)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class AuditEvent(db.Model):
    """`detail` carries `before`/`after` of the changed fields only, never a secret."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    actor: Mapped[str] = mapped_column(String(255), nullable=False)
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    key_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(32), nullable=False, default="key")
    object_id: Mapped[str | None] = mapped_column(String(255))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)


OBJECT_TYPES = (
    "key",
    "user",
    "team",
    "team_member",
    "organization",
    "organization_member",
    "customer",
)
