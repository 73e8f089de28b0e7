"""The process-wide singletons (database, migrations, Redis), bound to an app in init_app."""

from __future__ import annotations

import os
from typing import Any

import redis
from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase

from . import forks
from .settings import Settings


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate()

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")
# Redis is a cache and a bus here: a slow Redis must cost milliseconds, never seconds.
REDIS_SOCKET_TIMEOUT = 0.5


def engine_options(url: str) -> dict[str, Any]:
    """Pool and connect options for the engine of `url` (also `gateway migrate`'s)."""
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 15}}
    return {
        "pool_pre_ping": True,
        "pool_size": 10,
        "max_overflow": 20,
        "pool_timeout": 5,
        "pool_recycle": 1800,
        # A dead database must fail a request in seconds, not hang it: a connect timeout, and
        # TCP keepalives plus tcp_user_timeout so a silent peer breaks a connection in use too.
        "connect_args": {
            "connect_timeout": 3,
            "keepalives": 1,
            "keepalives_idle": 5,
            "keepalives_interval": 2,
            "keepalives_count": 2,
            "tcp_user_timeout": 5000,
        },
    }


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _forget_connections(app: Flask) -> None:
    """In a forked child: new pools, without closing the parent's connections (SQLAlchemy's
    recipe for os.fork(): `close=False` leaves the sockets to the parent that still uses them)."""
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)


def init_app(app: Flask, settings: Settings) -> None:
    url = settings.database_url or "sqlite:///" + os.path.join(app.instance_path, "gateway.db")
    if url.startswith("sqlite"):
        os.makedirs(app.instance_path, exist_ok=True)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(url))
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=url.startswith("sqlite"))
    if url.startswith("sqlite"):
        with app.app_context():
            event.listen(db.engine, "connect", _sqlite_pragmas)
    forks.on_fork(_forget_connections, owner=app)
    app.extensions["redis"] = (
        redis.Redis.from_url(
            settings.redis_url,
            socket_timeout=REDIS_SOCKET_TIMEOUT,
            socket_connect_timeout=REDIS_SOCKET_TIMEOUT,
            health_check_interval=30,
        )
        if settings.redis_url
        else None
    )


def get_redis(app: Flask) -> redis.Redis | None:
    """The app's Redis client (pooled; redis-py itself replaces its pool in a forked child)."""
    return app.extensions.get("redis")
