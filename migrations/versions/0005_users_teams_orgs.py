"""users, teams, organizations, customers and their memberships; keys linked to them by foreign keys.

A key's user_id, team_id and organization_id now refer to real rows. On an existing database
the upgrade first creates the rows those ids name (users as `internal_user_viewer`, the role
closest to what a key owner could do before roles existed: LLM calls and reading its own
things; teams and organizations with no models restriction and no budget), so the foreign keys
hold. Deleting a user, team or organization deletes its keys (ON DELETE CASCADE), as LiteLLM's
/user/delete, /team/delete and /organization/delete do; deleting an organization deletes its
teams too. audit_events gains object_type and object_id (existing rows: key, their key hash).

On SQLite the foreign keys need verification_tokens rebuilt (batch mode), and dropping the old
copy with foreign_keys=ON would cascade into deprecated_tokens: its rows are kept aside and
put back.

Revision ID: 0005_directory
Revises: 0004_key_fields
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_directory"
down_revision = "0004_key_fields"
branch_labels = None
depends_on = None


def _created():
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    ]


def _budget():
    return [
        sa.Column("max_budget", sa.Float(), nullable=True),
        sa.Column("spend", sa.Float(), nullable=False, server_default="0"),
        sa.Column("budget_duration", sa.String(16), nullable=True),
        sa.Column("budget_reset_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tpm_limit", sa.Integer(), nullable=True),
        sa.Column("rpm_limit", sa.Integer(), nullable=True),
    ]


def _json(name, default):
    return sa.Column(name, sa.JSON(), nullable=False, server_default=default)


def _version():
    return sa.Column("version", sa.Integer(), nullable=False, server_default="1")


def _blocked():
    return sa.Column("blocked", sa.Boolean(), nullable=False, server_default=sa.false())


KEY_FKS = (
    ("fk_verification_tokens_user_id", "users", "user_id"),
    ("fk_verification_tokens_team_id", "teams", "team_id"),
    ("fk_verification_tokens_organization_id", "organizations", "organization_id"),
)


def _create_tables():
    op.create_table(
        "users",
        sa.Column("user_id", sa.String(255), primary_key=True),
        sa.Column("user_email", sa.String(255), nullable=True),
        sa.Column("user_alias", sa.String(255), nullable=True),
        sa.Column("user_role", sa.String(32), nullable=False, server_default="internal_user"),
        _json("models", "[]"),
        *_budget(),
        sa.Column("max_parallel_requests", sa.Integer(), nullable=True),
        sa.Column("model_max_budget", sa.JSON(), nullable=True),
        _json("metadata", "{}"),
        _blocked(),
        *_created(),
        _version(),
    )
    op.create_index("ix_users_user_email", "users", ["user_email"])
    op.create_table(
        "organizations",
        sa.Column("organization_id", sa.String(255), primary_key=True),
        sa.Column("organization_alias", sa.String(255), nullable=True),
        _json("models", "[]"),
        *_budget(),
        _json("metadata", "{}"),
        _blocked(),
        *_created(),
        _version(),
    )
    op.create_table(
        "teams",
        sa.Column("team_id", sa.String(255), primary_key=True),
        sa.Column("team_alias", sa.String(255), nullable=True),
        sa.Column(
            "organization_id",
            sa.String(255),
            sa.ForeignKey(
                "organizations.organization_id", name="fk_teams_organization_id", ondelete="CASCADE"
            ),
            nullable=True,
        ),
        _json("models", "[]"),
        sa.Column("model_aliases", sa.JSON(), nullable=True),
        sa.Column("soft_budget", sa.Float(), nullable=True),
        *_budget(),
        sa.Column("max_parallel_requests", sa.Integer(), nullable=True),
        sa.Column("model_max_budget", sa.JSON(), nullable=True),
        _blocked(),
        _json("metadata", "{}"),
        sa.Column("team_member_permissions", sa.JSON(), nullable=True),
        sa.Column("team_member_budget", sa.Float(), nullable=True),
        sa.Column("team_member_rpm_limit", sa.Integer(), nullable=True),
        sa.Column("team_member_tpm_limit", sa.Integer(), nullable=True),
        *_created(),
        _version(),
    )
    op.create_index("ix_teams_organization_id", "teams", ["organization_id"])
    op.create_table(
        "team_memberships",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "team_id",
            sa.String(255),
            sa.ForeignKey("teams.team_id", name="fk_team_memberships_team_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "user_id",
            sa.String(255),
            sa.ForeignKey("users.user_id", name="fk_team_memberships_user_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("role", sa.String(16), nullable=False, server_default="user"),
        sa.Column("max_budget_in_team", sa.Float(), nullable=True),
        sa.Column("budget_duration", sa.String(16), nullable=True),
        sa.Column("budget_reset_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tpm_limit", sa.Integer(), nullable=True),
        sa.Column("rpm_limit", sa.Integer(), nullable=True),
        _json("allowed_models", "[]"),
        sa.Column("spend", sa.Float(), nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("team_id", "user_id", name="uq_team_memberships_team_user"),
    )
    op.create_index("ix_team_memberships_user_id", "team_memberships", ["user_id"])
    op.create_table(
        "organization_memberships",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "organization_id",
            sa.String(255),
            sa.ForeignKey(
                "organizations.organization_id",
                name="fk_organization_memberships_organization_id",
                ondelete="CASCADE",
            ),
            nullable=False,
        ),
        sa.Column(
            "user_id",
            sa.String(255),
            sa.ForeignKey("users.user_id", name="fk_organization_memberships_user_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("user_role", sa.String(32), nullable=False, server_default="internal_user"),
        *_created(),
        sa.UniqueConstraint("organization_id", "user_id", name="uq_organization_memberships_org_user"),
    )
    op.create_index("ix_organization_memberships_user_id", "organization_memberships", ["user_id"])
    op.create_table(
        "customers",
        sa.Column("user_id", sa.String(255), primary_key=True),
        sa.Column("alias", sa.String(255), nullable=True),
        _blocked(),
        *_budget(),
        _json("models", "[]"),
        sa.Column("default_model", sa.String(255), nullable=True),
        *_created(),
        _version(),
    )


def _adopt_existing_owners():
    """Rows for the ids existing keys name, so the foreign keys hold on an existing database."""
    op.execute(
        "INSERT INTO users (user_id, user_role) SELECT DISTINCT user_id, 'internal_user_viewer' "
        "FROM verification_tokens WHERE user_id IS NOT NULL"
    )
    op.execute(
        "INSERT INTO teams (team_id) SELECT DISTINCT team_id FROM verification_tokens WHERE team_id IS NOT NULL"
    )
    op.execute(
        "INSERT INTO organizations (organization_id) SELECT DISTINCT organization_id "
        "FROM verification_tokens WHERE organization_id IS NOT NULL"
    )


def _rebuild_keys(change):
    """Run `change(batch)` on verification_tokens, keeping deprecated_tokens' rows on SQLite."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("CREATE TEMP TABLE _deprecated_tokens_kept AS SELECT * FROM deprecated_tokens")
    with op.batch_alter_table("verification_tokens") as batch:
        change(batch)
    if sqlite:
        op.execute("DELETE FROM deprecated_tokens")
        op.execute("INSERT INTO deprecated_tokens SELECT * FROM _deprecated_tokens_kept")
        op.execute("DROP TABLE _deprecated_tokens_kept")


def upgrade():
    _create_tables()
    _adopt_existing_owners()

    def add_fks(batch):
        for name, table, column in KEY_FKS:
            batch.create_foreign_key(name, table, [column], [column], ondelete="CASCADE")

    _rebuild_keys(add_fks)
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("object_type", sa.String(32), nullable=False, server_default="key"))
        batch.add_column(sa.Column("object_id", sa.String(255), nullable=True))
    op.execute("UPDATE audit_events SET object_id = key_hash WHERE key_hash IS NOT NULL")
    op.create_index("ix_audit_events_object", "audit_events", ["object_type", "object_id"])


def downgrade():
    op.drop_index("ix_audit_events_object", table_name="audit_events")
    # Events about users, teams and the rest stay, without their object columns.
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("object_id")
        batch.drop_column("object_type")

    def drop_fks(batch):
        for name, _table, _column in reversed(KEY_FKS):
            batch.drop_constraint(name, type_="foreignkey")

    _rebuild_keys(drop_fks)
    op.drop_table("customers")
    op.drop_index("ix_organization_memberships_user_id", table_name="organization_memberships")
    op.drop_table("organization_memberships")
    op.drop_index("ix_team_memberships_user_id", table_name="team_memberships")
    op.drop_table("team_memberships")
    op.drop_index("ix_teams_organization_id", table_name="teams")
    op.drop_table("teams")
    op.drop_table("organizations")
    op.drop_index("ix_users_user_email", table_name="users")
    op.drop_table("users")
