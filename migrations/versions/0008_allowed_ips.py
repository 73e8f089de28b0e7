"""Key allowed_ips: the networks a key may be used from (issue 16, network).

Revision ID: 0008_allowed_ips
Revises: 0007_levels
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_allowed_ips"
down_revision = "0007_levels"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("verification_tokens") as batch:
        batch.add_column(sa.Column("allowed_ips", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("verification_tokens") as batch:
        batch.drop_column("allowed_ips")
