"""At start: the database brought to the current schema (migrate.py), or checked to have it."""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy import inspect
from sqlalchemy.exc import OperationalError

from .extensions import db
from .settings import ConfigError, Settings

log = logging.getLogger(__name__)


def init_app(app: Flask, settings: Settings) -> str:
    """Every start brings the database to the current schema, as LiteLLM does (under a lock:
    web, worker, beat and other instances may start at once); DISABLE_SCHEMA_UPDATE=true leaves it
    to the release step (`gateway migrate`). The flask CLI only checks: it is what migrates.

    A production database that is down at start is not fatal: keys already in Redis and the
    master key keep working, and the database is used again when it is back.

    Returns the schema's state: "ok", "missing" (the CLI before its first upgrade) or
    "unreachable" (a production database down at start).
    """
    # Imported here: `python -m gateway.migrate` must find gateway.migrate not yet imported.
    from .migrate import upgrade_locked

    schema_optional = app.config.get("SCHEMA_OPTIONAL")
    migrate = settings.embedded or app.config.get("AUTO_MIGRATE") or settings.migrate_on_start
    with app.app_context():
        try:
            if migrate and (settings.embedded or not schema_optional):
                upgrade_locked()
                return "ok"
            migrated = inspect(db.engine).has_table("gateway_meta")
        except OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) == "55P03":  # lock_timeout: another start hangs
                raise ConfigError(
                    settings.source, "database_url", "timed out waiting for another process's migration"
                ) from None
            if settings.embedded:
                raise
            log.warning(
                "database unreachable at start (%s): serving from caches until it is back",
                type(exc).__name__,
            )
            return "unreachable"
        if not migrated:
            db.engine.dispose()
            if schema_optional:  # the flask CLI: `flask db upgrade` / `gateway migrate` must run
                return "missing"
            raise ConfigError(
                settings.source,
                "database_url",
                "the database has no schema yet (DISABLE_SCHEMA_UPDATE is set): run `gateway migrate`, "
                "which needs only DATABASE_URL",
            )
    return "ok"
