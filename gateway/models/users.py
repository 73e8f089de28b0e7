"""users: LiteLLM's internal users (LiteLLM_UserTable), the owners of keys and team members."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

USER_ROLES = ("proxy_admin", "proxy_admin_viewer", "internal_user", "internal_user_viewer", "org_admin")


class User(db.Model):
    __tablename__ = "users"

    user_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    user_email: Mapped[str | None] = mapped_column(String(255), index=True)
    user_alias: Mapped[str | None] = mapped_column(String(255))
    user_role: Mapped[str] = mapped_column(String(32), nullable=False, default="internal_user")
    models: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    max_budget: Mapped[float | None] = mapped_column(Float)
    spend: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    budget_duration: Mapped[str | None] = mapped_column(String(16))
    budget_reset_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    tpm_limit: Mapped[int | None] = mapped_column(Integer)
    rpm_limit: Mapped[int | None] = mapped_column(Integer)
    max_parallel_requests: Mapped[int | None] = mapped_column(Integer)
    model_max_budget: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, nullable=False, default=dict)
    blocked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
