"""Bringing a database to the current schema, under a PostgreSQL advisory lock so that any number
of processes starting at once (web, worker, beat, a second instance) migrate it exactly once.

`gateway migrate` / `python -m gateway.migrate` is the release step: it reads DATABASE_URL and
nothing else (no config file, no provider secrets), from any directory.
"""

from __future__ import annotations

import os
import sys

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from .extensions import MIGRATIONS_DIR, db, engine_options, migrate
from .settings import normalize_database_url

# One fixed id for "the gateway's schema", any 64-bit number no other application is likely to use.
LOCK_ID = 0x6C6C_6D67_7761_7900
# How long a process waits for another one's migration before giving up (a big migration on a
# large table can take minutes; a start stuck forever behind a dead session must not).
LOCK_TIMEOUT = "300s"


def upgrade_locked() -> None:
    """Upgrade the current app's database to head; on PostgreSQL while holding the advisory lock.
    A process that waited finds the schema already current, and alembic does nothing."""
    engine = db.engine
    if engine.dialect.name != "postgresql":
        upgrade(directory=MIGRATIONS_DIR)
        return
    # Its own autocommit connection: a session-level lock, released explicitly (and by PostgreSQL
    # if this process dies), never left on a pooled connection inside a rolled-back transaction.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"SET lock_timeout = '{LOCK_TIMEOUT}'"))
        conn.execute(text("SELECT pg_advisory_lock(:id)"), {"id": LOCK_ID})
        try:
            upgrade(directory=MIGRATIONS_DIR)
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": LOCK_ID})
            conn.execute(text("RESET lock_timeout"))  # the connection goes back to the pool


def migration_app(url: str) -> Flask:
    """A bare Flask app holding only the database: what alembic's env.py needs, and no config."""
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(url)
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=url.startswith("sqlite"))
    return app


def main(argv: list[str] | None = None) -> int:
    """`gateway migrate`: upgrade DATABASE_URL's database; exit 0 when it is current."""
    url = normalize_database_url(os.environ.get("DATABASE_URL"))
    if not url:
        print("gateway migrate: DATABASE_URL is not set (the database to migrate)", file=sys.stderr)
        return 2
    app = migration_app(url)
    try:
        with app.app_context():
            upgrade_locked()
            db.engine.dispose()
    except OperationalError as exc:
        reason = str(exc.orig or exc).strip().splitlines()[0]
        print(f"gateway migrate: the database is unreachable or refused: {reason}", file=sys.stderr)
        return 1
    print("gateway migrate: the database schema is current", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
