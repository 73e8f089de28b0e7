"""LiteLLM key settings stored and echoed by /key/* (organization, per-model limits, aliases...).

Revision ID: 0004_key_fields
Revises: 0003
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_key_fields"
down_revision = "0003"
branch_labels = None
depends_on = None

JSON_COLUMNS = (
    "model_max_budget",
    "model_rpm_limit",
    "model_tpm_limit",
    "aliases",
    "permissions",
    "extra_settings",
)


def upgrade():
    with op.batch_alter_table("verification_tokens") as batch:
        batch.add_column(sa.Column("organization_id", sa.String(255), nullable=True))
        batch.add_column(sa.Column("soft_budget", sa.Float(), nullable=True))
        for name in JSON_COLUMNS:
            batch.add_column(sa.Column(name, sa.JSON(), nullable=True))
        batch.create_index("ix_verification_tokens_organization_id", ["organization_id"])


def downgrade():
    with op.batch_alter_table("verification_tokens") as batch:
        batch.drop_index("ix_verification_tokens_organization_id")
        for name in reversed(JSON_COLUMNS):
            batch.drop_column(name)
        batch.drop_column("soft_budget")
        batch.drop_column("organization_id")
