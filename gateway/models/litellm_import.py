"""litellm_import_checkpoints and litellm_imported_usage: where a `flask litellm import` stands."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class ImportCheckpoint(db.Model):
    """The last primary key committed per source table: a failed run resumes after it. A run
    that completes removes its rows, so the next run reads everything again (and changes only
    what differs)."""

    __tablename__ = "litellm_import_checkpoints"

    source: Mapped[str] = mapped_column(String(64), primary_key=True)  # host/db fingerprint, no secret
    table_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_key: Mapped[str] = mapped_column(Text, nullable=False)  # JSON array: the primary key
    rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class ImportedUsage(db.Model):
    """What an import last added to daily_usage for one (day, key, model): a rerun replaces
    that share only, so usage metered here on the same day is kept."""

    __tablename__ = "litellm_imported_usage"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    model: Mapped[str] = mapped_column(String(255), primary_key=True)
    requests: Mapped[int] = mapped_column(Integer, nullable=False)
    prompt_tokens: Mapped[int] = mapped_column(BigInteger, nullable=False)
    completion_tokens: Mapped[int] = mapped_column(BigInteger, nullable=False)
    cost: Mapped[float] = mapped_column(Float, nullable=False)
    errors: Mapped[int] = mapped_column(Integer, nullable=False)
