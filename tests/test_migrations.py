"""Migrations: one head, upgrade and downgrade on PostgreSQL and SQLite, op/sa only."""

from __future__ import annotations

import secrets
from pathlib import Path

import psycopg
import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from gateway import create_app
from gateway.extensions import MIGRATIONS_DIR, db
from tests.conftest import MASTER, PG_ADMIN

VERSIONS = Path(MIGRATIONS_DIR) / "versions"


def test_single_head():
    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS_DIR)
    assert len(ScriptDirectory.from_config(cfg).get_heads()) == 1


def test_migrations_never_import_the_live_models():
    for path in VERSIONS.glob("*.py"):
        text = path.read_text()
        assert "from gateway" not in text and "import gateway" not in text, path.name
        assert "def downgrade" in text, path.name


@pytest.fixture(params=["postgres", "sqlite"])
def empty_db_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'mig.db'}"
        return
    name = f"gwmig_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_upgrade_downgrade_upgrade(empty_db_url, tmp_path):
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "GATEWAY_CONFIG": {},
            "GATEWAY_ENV": {"DATABASE_URL": empty_db_url, "LITELLM_MASTER_KEY": MASTER},
            "AUTO_MIGRATE": True,
        }
    )
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
        assert {"gateway_meta", "alembic_version"} <= tables
        downgrade(directory=MIGRATIONS_DIR, revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade(directory=MIGRATIONS_DIR)
        assert set(inspect(db.engine).get_table_names()) == tables
        db.session.remove()
        db.engine.dispose()


def test_production_database_without_schema_stops_start_up(tmp_path):
    from gateway.settings import ConfigError

    name = f"gwmig_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        with pytest.raises(ConfigError, match="flask db upgrade"):
            create_app(
                {
                    "INSTANCE_PATH": str(tmp_path),
                    "GATEWAY_CONFIG": {},
                    "GATEWAY_ENV": {"DATABASE_URL": url, "LITELLM_MASTER_KEY": MASTER},
                }
            )
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_release_step_flask_db_upgrade_on_a_fresh_database(tmp_path):
    """The Procfile's `release: flask --app app db upgrade` against an empty PostgreSQL database."""
    import subprocess
    import sys

    from tests.support.live import clean_env

    name = f"gwmig_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"postgresql://postgres@127.0.0.1:5432/{name}"
        env = clean_env({"DATABASE_URL": url, "GATEWAY_INSTANCE_PATH": str(tmp_path)})  # no master key either
        root = Path(__file__).resolve().parent.parent
        done = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
            env=env,
            cwd=root,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        with psycopg.connect(url) as conn:
            tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname='public'")}
        assert {"gateway_meta", "verification_tokens", "usage_logs", "job_runs"} <= tables
        status = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", "jobs", "status"],
            env=env,
            cwd=root,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert status.returncode == 0 and "flush_usage" in status.stdout
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
