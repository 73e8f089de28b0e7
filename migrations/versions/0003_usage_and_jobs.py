"""usage_logs, daily_usage, job_runs; last use and expiry bookkeeping on verification_tokens.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("verification_tokens") as batch:
        batch.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("expiry_handled_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_verification_tokens_last_used_at", ["last_used_at"])
        batch.create_index("ix_verification_tokens_rotation_at", ["rotation_at"])
    op.create_table(
        "usage_logs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=True),
        sa.Column("user_id", sa.String(255), nullable=True),
        sa.Column("team_id", sa.String(255), nullable=True),
        sa.Column("auth_method", sa.String(16), nullable=False),
        sa.Column("model", sa.String(255), nullable=False),
        sa.Column("deployment", sa.String(255), nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("completion_tokens", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("cost", sa.Float(), nullable=False, server_default="0"),
        sa.Column("latency_ms", sa.Float(), nullable=False, server_default="0"),
        sa.UniqueConstraint("request_id", name="uq_usage_logs_request_id"),
    )
    op.create_index("ix_usage_logs_created_at", "usage_logs", ["created_at"])
    op.create_index("ix_usage_logs_key_hash", "usage_logs", ["key_hash"])
    op.create_table(
        "daily_usage",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("key_hash", sa.String(64), primary_key=True),  # "" for callers without a key
        sa.Column("model", sa.String(255), primary_key=True),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("prompt_tokens", sa.BigInteger(), nullable=False),
        sa.Column("completion_tokens", sa.BigInteger(), nullable=False),
        sa.Column("cost", sa.Float(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
    )
    op.create_table(
        "job_runs",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False, server_default=""),
        sa.Column("runs", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade():
    op.drop_table("job_runs")
    op.drop_table("daily_usage")
    op.drop_index("ix_usage_logs_key_hash", table_name="usage_logs")
    op.drop_index("ix_usage_logs_created_at", table_name="usage_logs")
    op.drop_table("usage_logs")
    with op.batch_alter_table("verification_tokens") as batch:
        batch.drop_index("ix_verification_tokens_rotation_at")
        batch.drop_index("ix_verification_tokens_last_used_at")
        batch.drop_column("expiry_handled_at")
        batch.drop_column("last_used_at")
