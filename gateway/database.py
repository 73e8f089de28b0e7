"""Bringing the database to the current schema (embedded default) and checking it is there."""

from __future__ import annotations

import logging

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import inspect
from sqlalchemy.exc import OperationalError

from .extensions import MIGRATIONS_DIR, db
from .settings import ConfigError

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """The embedded default migrates itself on start; production runs `flask db upgrade` on release.

    A production database that is down at start is not fatal: keys already in Redis and the
    master key keep working, and the database is used again when it is back.
    """
    settings = app.extensions["gateway.settings"]
    app.extensions["gateway.schema"] = "ok"
    with app.app_context():
        if settings.embedded or app.config.get("AUTO_MIGRATE"):
            upgrade(directory=MIGRATIONS_DIR)
            return
        try:
            migrated = inspect(db.engine).has_table("gateway_meta")
        except OperationalError as exc:
            log.warning(
                "database unreachable at start (%s): serving from caches until it is back",
                type(exc).__name__,
            )
            app.extensions["gateway.schema"] = "unreachable"
            return
        if not migrated:
            db.engine.dispose()
            if app.config.get("SCHEMA_OPTIONAL"):  # the flask CLI: `flask db upgrade` must run
                app.extensions["gateway.schema"] = "missing"
                return
            raise ConfigError(
                settings.source,
                "database_url",
                "the database has no schema yet: run `flask db upgrade`",
            )
