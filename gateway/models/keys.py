"""verification_tokens and deprecated_tokens: virtual keys, stored only as SHA-256 hex."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class VerificationToken(db.Model):
    __tablename__ = "verification_tokens"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex, never the key
    key_name: Mapped[str] = mapped_column(String(16), nullable=False)
    key_alias: Mapped[str | None] = mapped_column(String(255), unique=True)
    models: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, nullable=False, default=dict)
    allowed_routes: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    allowed_ips: Mapped[list[str] | None] = mapped_column(JSON)  # canonical CIDRs; null/[]: anywhere
    # Deleting a user, team or organization deletes its keys, as LiteLLM's delete endpoints do.
    user_id: Mapped[str | None] = mapped_column(
        String(255), ForeignKey("users.user_id", ondelete="CASCADE"), index=True
    )
    team_id: Mapped[str | None] = mapped_column(
        String(255), ForeignKey("teams.team_id", ondelete="CASCADE"), index=True
    )
    expires: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    blocked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    max_budget: Mapped[float | None] = mapped_column(Float)
    spend: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    budget_duration: Mapped[str | None] = mapped_column(String(16))
    budget_reset_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rpm_limit: Mapped[int | None] = mapped_column(Integer)
    tpm_limit: Mapped[int | None] = mapped_column(Integer)
    max_parallel_requests: Mapped[int | None] = mapped_column(Integer)
    auto_rotate: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    rotation_interval: Mapped[str | None] = mapped_column(String(16))
    rotation_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    created_by: Mapped[str | None] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    expiry_handled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # LiteLLM key settings stored and echoed (keys/fields.py STORED; those in NOT_ENFORCED are not applied).
    organization_id: Mapped[str | None] = mapped_column(
        String(255), ForeignKey("organizations.organization_id", ondelete="CASCADE"), index=True
    )
    soft_budget: Mapped[float | None] = mapped_column(Float)
    model_max_budget: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    model_rpm_limit: Mapped[dict[str, int] | None] = mapped_column(JSON)
    model_tpm_limit: Mapped[dict[str, int] | None] = mapped_column(JSON)
    aliases: Mapped[dict[str, str] | None] = mapped_column(JSON)
    permissions: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    extra_settings: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the other LiteLLM-only ones


class DeprecatedToken(db.Model):
    """An old hash that keeps working, as its successor, until `revoke_at` (regenerate's grace)."""

    __tablename__ = "deprecated_tokens"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    new_token: Mapped[str] = mapped_column(
        String(64),
        ForeignKey("verification_tokens.token", ondelete="CASCADE", onupdate="CASCADE"),
        nullable=False,
        index=True,
    )
    revoke_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
