"""verification_tokens, deprecated_tokens, audit_events: virtual keys and their history.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "verification_tokens",
        sa.Column("token", sa.String(64), primary_key=True),
        sa.Column("key_name", sa.String(16), nullable=False),
        sa.Column("key_alias", sa.String(255), nullable=True),
        sa.Column("models", sa.JSON(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("allowed_routes", sa.JSON(), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=True),
        sa.Column("team_id", sa.String(255), nullable=True),
        sa.Column("expires", sa.DateTime(timezone=True), nullable=True),
        sa.Column("blocked", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("max_budget", sa.Float(), nullable=True),
        sa.Column("spend", sa.Float(), nullable=False, server_default="0"),
        sa.Column("budget_duration", sa.String(16), nullable=True),
        sa.Column("budget_reset_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rpm_limit", sa.Integer(), nullable=True),
        sa.Column("tpm_limit", sa.Integer(), nullable=True),
        sa.Column("max_parallel_requests", sa.Integer(), nullable=True),
        sa.Column("auto_rotate", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("rotation_interval", sa.String(16), nullable=True),
        sa.Column("rotation_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("created_by", sa.String(255), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.UniqueConstraint("key_alias", name="uq_verification_tokens_key_alias"),
    )
    op.create_index("ix_verification_tokens_user_id", "verification_tokens", ["user_id"])
    op.create_index("ix_verification_tokens_team_id", "verification_tokens", ["team_id"])
    op.create_index("ix_verification_tokens_expires", "verification_tokens", ["expires"])
    op.create_table(
        "deprecated_tokens",
        sa.Column("token", sa.String(64), primary_key=True),
        sa.Column(
            "new_token",
            sa.String(64),
            sa.ForeignKey(
                "verification_tokens.token",
                name="fk_deprecated_tokens_new_token",
                ondelete="CASCADE",
                onupdate="CASCADE",
            ),
            nullable=False,
        ),
        sa.Column("revoke_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_deprecated_tokens_new_token", "deprecated_tokens", ["new_token"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_audit_events_key_hash", "audit_events", ["key_hash"])


def downgrade():
    op.drop_index("ix_audit_events_key_hash", table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_index("ix_deprecated_tokens_new_token", table_name="deprecated_tokens")
    op.drop_table("deprecated_tokens")
    op.drop_index("ix_verification_tokens_expires", table_name="verification_tokens")
    op.drop_index("ix_verification_tokens_team_id", table_name="verification_tokens")
    op.drop_index("ix_verification_tokens_user_id", table_name="verification_tokens")
    op.drop_table("verification_tokens")
