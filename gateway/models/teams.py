"""teams and team_memberships: LiteLLM_TeamTable and LiteLLM_TeamMembership (role, own budget)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

TEAM_ROLES = ("admin", "user")


class Team(db.Model):
    __tablename__ = "teams"

    team_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    team_alias: Mapped[str | None] = mapped_column(String(255))
    # LiteLLM's organization delete deletes the organization's teams.
    organization_id: Mapped[str | None] = mapped_column(
        String(255), ForeignKey("organizations.organization_id", ondelete="CASCADE"), index=True
    )
    models: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    model_aliases: Mapped[dict[str, str] | None] = mapped_column(JSON)
    max_budget: Mapped[float | None] = mapped_column(Float)
    soft_budget: Mapped[float | None] = mapped_column(Float)
    spend: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    budget_duration: Mapped[str | None] = mapped_column(String(16))
    budget_reset_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    tpm_limit: Mapped[int | None] = mapped_column(Integer)
    rpm_limit: Mapped[int | None] = mapped_column(Integer)
    max_parallel_requests: Mapped[int | None] = mapped_column(Integer)
    model_max_budget: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    blocked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, nullable=False, default=dict)
    team_member_permissions: Mapped[list[str] | None] = mapped_column(JSON)
    team_member_budget: Mapped[float | None] = mapped_column(Float)
    team_member_rpm_limit: Mapped[int | None] = mapped_column(Integer)
    team_member_tpm_limit: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


class TeamMembership(db.Model):
    """One user in one team: its role there, and its own budget, limits, models and spend."""

    __tablename__ = "team_memberships"
    __table_args__ = (UniqueConstraint("team_id", "user_id", name="uq_team_memberships_team_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(
        String(255), ForeignKey("teams.team_id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[str] = mapped_column(
        String(255), ForeignKey("users.user_id", ondelete="CASCADE"), nullable=False, index=True
    )
    role: Mapped[str] = mapped_column(String(16), nullable=False, default="user")
    max_budget_in_team: Mapped[float | None] = mapped_column(Float)
    budget_duration: Mapped[str | None] = mapped_column(String(16))
    budget_reset_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    tpm_limit: Mapped[int | None] = mapped_column(Integer)
    rpm_limit: Mapped[int | None] = mapped_column(Integer)
    allowed_models: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    spend: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
