"""customers: LiteLLM's end users (LiteLLM_EndUserTable), named per request by the body's `user`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class Customer(db.Model):
    __tablename__ = "customers"

    user_id: Mapped[str] = mapped_column(String(255), primary_key=True)  # LiteLLM's end-user id
    alias: Mapped[str | None] = mapped_column(String(255))
    blocked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    max_budget: Mapped[float | None] = mapped_column(Float)
    spend: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    budget_duration: Mapped[str | None] = mapped_column(String(16))
    budget_reset_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    tpm_limit: Mapped[int | None] = mapped_column(Integer)
    rpm_limit: Mapped[int | None] = mapped_column(Integer)
    models: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    default_model: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
