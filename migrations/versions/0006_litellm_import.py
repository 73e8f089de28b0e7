"""litellm_import_checkpoints and litellm_imported_usage, for `flask litellm import`.

A checkpoint row per (source, table) says which primary key the last committed batch ended at,
so a run that fails in the middle resumes after it; a completed run removes its rows.
litellm_imported_usage remembers what the import added to daily_usage, so a rerun replaces
that share and keeps what the gateway metered itself.

Revision ID: 0006_litellm_import
Revises: 0005_directory
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_litellm_import"
down_revision = "0005_directory"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "litellm_import_checkpoints",
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("table_name", sa.String(64), primary_key=True),
        sa.Column("last_key", sa.Text(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "litellm_imported_usage",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("key_hash", sa.String(64), primary_key=True),
        sa.Column("model", sa.String(255), primary_key=True),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("prompt_tokens", sa.BigInteger(), nullable=False),
        sa.Column("completion_tokens", sa.BigInteger(), nullable=False),
        sa.Column("cost", sa.Float(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("litellm_imported_usage")
    op.drop_table("litellm_import_checkpoints")
