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
from tests.conftest import MASTER, PG_ADMIN, public_tables

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


_tables = public_tables


def test_production_start_migrates_a_fresh_database(tmp_path, fresh_pg):
    """As LiteLLM does: a configured database is brought to the schema on start (no AUTO_MIGRATE)."""
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "GATEWAY_CONFIG": {},
            "GATEWAY_ENV": {"DATABASE_URL": fresh_pg, "LITELLM_MASTER_KEY": MASTER},
        }
    )
    with app.app_context():
        db.engine.dispose()
    assert {"gateway_meta", "verification_tokens", "usage_logs", "alembic_version"} <= _tables(fresh_pg)


def test_disable_schema_update_stops_start_up_with_a_hint_that_works(tmp_path, fresh_pg):
    from gateway.settings import ConfigError

    with pytest.raises(ConfigError, match="run `gateway migrate`, which needs only DATABASE_URL"):
        create_app(
            {
                "INSTANCE_PATH": str(tmp_path),
                "GATEWAY_CONFIG": {},
                "GATEWAY_ENV": {
                    "DATABASE_URL": fresh_pg,
                    "LITELLM_MASTER_KEY": MASTER,
                    "DISABLE_SCHEMA_UPDATE": "true",
                },
            }
        )
    assert "gateway_meta" not in _tables(fresh_pg)


# Imports first, then every process waits for the same instant: the upgrades really overlap.
_AT_ONCE = """
import sys, time
from gateway import create_app
from gateway.migrate import main
at = float(sys.argv[1])
time.sleep(max(0.0, at - time.time()))
if sys.argv[2] == "start":
    create_app()
else:
    sys.exit(main())
"""


def test_starts_at_once_on_a_fresh_database_migrate_it_once(tmp_path, fresh_pg):
    """Two gateway starts and a release step at the same moment, under the advisory lock."""
    import subprocess
    import sys
    import time

    from tests.support.live import clean_env

    env = clean_env(
        {"DATABASE_URL": fresh_pg, "LITELLM_MASTER_KEY": MASTER, "GATEWAY_INSTANCE_PATH": str(tmp_path)}
    )
    at = str(time.time() + 6)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _AT_ONCE, at, kind],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for kind in ("start", "start", "migrate")
    ]
    outputs = [p.communicate(timeout=90)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], "\n----\n".join(outputs)
    with psycopg.connect(fresh_pg) as conn:
        assert len(conn.execute("SELECT version_num FROM alembic_version").fetchall()) == 1
        assert conn.execute("SELECT count(*) FROM gateway_meta").fetchone()[0] == 0  # master key given


def test_gateway_migrate_needs_only_the_database_url_from_any_directory(tmp_path, fresh_pg):
    """The release step: no config, no provider secrets, not the repository root."""
    import subprocess
    import sys

    from tests.support.live import clean_env

    gateway = str(Path(sys.executable).with_name("gateway"))
    config = tmp_path / "config.yaml"
    config.write_text(
        "model_list:\n  - model_name: m\n    litellm_params: {model: openai/m, api_key: os.environ/UNSET_KEY}\n"
    )
    env = clean_env({"DATABASE_URL": fresh_pg, "CONFIG_FILE_PATH": str(config)})
    # The second run finds the schema current; the module form is the same command.
    for command in ([gateway, "migrate"], [sys.executable, "-W", "error", "-m", "gateway.migrate"]):
        done = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert "schema is current" in done.stderr
    assert {"gateway_meta", "verification_tokens", "usage_logs", "job_runs"} <= _tables(fresh_pg)
    missing = subprocess.run(
        [gateway, "migrate"], env=clean_env({}), cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert missing.returncode == 2 and "DATABASE_URL is not set" in missing.stderr


def test_release_step_flask_db_upgrade_on_a_fresh_database(tmp_path):
    """`flask --app app db upgrade` (Flask-Migrate's own command, still supported) against an empty PostgreSQL database."""
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


def _key_row(token: str, **ids: str) -> dict:
    return {
        "token": token,
        "key_name": "sk-...abcd",
        "models": "[]",
        "metadata": "{}",
        "allowed_routes": "[]",
        **ids,
    }


def test_directory_migration_adopts_existing_key_owners_and_keeps_grace_rows(empty_db_url, tmp_path):
    """0005 on a database with keys: their user/team/org rows are created, FKs hold, nothing lost."""
    from sqlalchemy import text

    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "GATEWAY_CONFIG": {},
            "GATEWAY_ENV": {"DATABASE_URL": empty_db_url, "LITELLM_MASTER_KEY": MASTER},
            "AUTO_MIGRATE": True,
        }
    )
    with app.app_context():
        downgrade(directory=MIGRATIONS_DIR, revision="0004_key_fields")
        with db.engine.begin() as conn:
            insert = text(
                "INSERT INTO verification_tokens (token, key_name, models, metadata, allowed_routes,"
                " user_id, team_id, organization_id) VALUES (:token, :key_name, :models, :metadata,"
                " :allowed_routes, :user_id, :team_id, :organization_id)"
            )
            conn.execute(insert, _key_row("a" * 64, user_id="u1", team_id="t1", organization_id="o1"))
            conn.execute(insert, _key_row("b" * 64, user_id="u1", team_id=None, organization_id=None))
            conn.execute(
                text("INSERT INTO deprecated_tokens (token, new_token, revoke_at) VALUES (:t, :n, :r)"),
                {"t": "c" * 64, "n": "a" * 64, "r": "2030-01-01 00:00:00+00:00"},
            )
            conn.execute(
                text(
                    "INSERT INTO audit_events (actor, action, key_hash, detail) VALUES ('m', 'generate', :k, '{}')"
                ),
                {"k": "a" * 64},
            )
        upgrade(directory=MIGRATIONS_DIR)
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT user_id, user_role FROM users")).all() == [
                ("u1", "internal_user_viewer")
            ]
            assert conn.execute(text("SELECT team_id FROM teams")).all() == [("t1",)]
            assert conn.execute(text("SELECT organization_id FROM organizations")).all() == [("o1",)]
            assert conn.execute(text("SELECT token FROM deprecated_tokens")).all() == [("c" * 64,)]
            assert conn.execute(text("SELECT object_type, object_id FROM audit_events")).all() == [
                ("key", "a" * 64)
            ]
        fks = {fk["referred_table"] for fk in inspect(db.engine).get_foreign_keys("verification_tokens")}
        assert fks == {"users", "teams", "organizations"}
        # The cascade LiteLLM's /user/delete performs: the user's keys, and their grace rows, go too.
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM users WHERE user_id = 'u1'"))
            assert conn.execute(text("SELECT count(*) FROM verification_tokens")).scalar() == 0
        downgrade(directory=MIGRATIONS_DIR, revision="0004_key_fields")
        assert not {"users", "teams"} & set(inspect(db.engine).get_table_names())
        assert inspect(db.engine).get_foreign_keys("verification_tokens") == []
        db.session.remove()
        db.engine.dispose()
