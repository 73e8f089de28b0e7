"""usage_logs gains organization_id and end_user (the customer): spend is added to every level
of a request at the flush, and /spend/logs filters by them.

Revision ID: 0007_levels
Revises: 0006_litellm_import
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_levels"
down_revision = "0006_litellm_import"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("usage_logs") as batch:
        batch.add_column(sa.Column("organization_id", sa.String(255), nullable=True))
        batch.add_column(sa.Column("end_user", sa.String(255), nullable=True))
        batch.create_index("ix_usage_logs_end_user", ["end_user"])


def downgrade():
    with op.batch_alter_table("usage_logs") as batch:
        batch.drop_index("ix_usage_logs_end_user")
        batch.drop_column("end_user")
        batch.drop_column("organization_id")
