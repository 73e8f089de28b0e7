"""Shared fixtures: a real PostgreSQL database and Redis db for the session, the loopback upstream,
and app factories (Flask test client) for both database lanes."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis as redis_lib
from flask import Flask

from gateway import create_app
from gateway.extensions import db
from gateway.stages import stages
from tests.support.live import LiveGateway
from tests.support.upstream import FakeUpstream
from tests.support.webhook import WebhookReceiver

MASTER = "sk-test-master-key-0001"
PG_ADMIN = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_BASE = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
# parallel runs use distinct dbs; each xdist worker (gw0, gw1...) takes the next one up
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:] or 0)
REDIS_TEST_DB = int(os.environ.get("TEST_REDIS_DB", "11")) + _WORKER


def auth(key: str = MASTER) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    name = f"gwtest_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    app = create_app(
        {
            "GATEWAY_CONFIG": {},
            "GATEWAY_ENV": {"DATABASE_URL": url, "LITELLM_MASTER_KEY": MASTER},
            "AUTO_MIGRATE": True,
        }
    )
    with app.app_context():
        db.engine.dispose()
    yield url
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def truncate_all(url: str) -> None:
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'alembic_version'"
            )
        ]
        if tables:
            conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")


@pytest.fixture
def fresh_pg() -> Iterator[str]:
    """An empty PostgreSQL database of its own, its URL as operators write it (postgresql://)."""
    name = f"gwfresh_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def public_tables(url: str) -> set[str]:
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        return {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname='public'")}


@pytest.fixture(params=["postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The database lane; tests that must hold on both parametrize it with ["postgres", "sqlite"]."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'lane.db'}"
    url = request.getfixturevalue("pg_url")
    truncate_all(url)
    return url


@pytest.fixture
def redis_url() -> str:
    url = f"{REDIS_BASE}/{REDIS_TEST_DB}"
    redis_lib.Redis.from_url(url).flushdb()
    return url


@pytest.fixture
def upstream() -> Iterator[FakeUpstream]:
    fake = FakeUpstream("A").start()
    yield fake
    fake.stop()


def model_entry(name: str, base: str, **params: Any) -> dict[str, Any]:
    return {
        "model_name": name,
        "litellm_params": {
            "model": f"openai/{name}",
            "api_base": base,
            "api_key": "upstream-secret",
            **params,
        },
    }


@pytest.fixture
def make_app(db_url: str, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    apps: list[Flask] = []

    def factory(
        config: dict[str, Any] | None = None, env: dict[str, str] | None = None, **flask_config: Any
    ) -> Flask:
        environ = {"DATABASE_URL": db_url, "LITELLM_MASTER_KEY": MASTER, **(env or {})}
        app = create_app(
            {
                "TESTING": True,
                "INSTANCE_PATH": str(tmp_path / "instance"),
                "GATEWAY_CONFIG": config if config is not None else {},
                "GATEWAY_ENV": environ,
                "AUTO_MIGRATE": True,
                **flask_config,
            }
        )
        apps.append(app)
        return app

    yield factory
    for app in apps:
        stages(app).proxy.upstream.clear()
        stages(app).keycache.close()
        stages(app).usage.sink.close()
        if hasattr(stages(app).limits.limiter, "close"):  # Redis: its flusher and connections
            stages(app).limits.limiter.close()
        if app.extensions.get("redis") is not None:
            app.extensions["redis"].close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask], upstream: FakeUpstream) -> Flask:
    return make_app({"model_list": [model_entry("gpt-4o", upstream.base)]})


@pytest.fixture
def client(app: Flask):
    return app.test_client()


@pytest.fixture
def webhook():
    """A webhook receiver on loopback (key rotation delivers new keys to it)."""
    receiver = WebhookReceiver()
    yield receiver
    receiver.stop()


@pytest.fixture
def live_gateway(tmp_path: Path) -> Iterator[Callable[..., LiveGateway]]:
    started: list[LiveGateway] = []

    def start(config: dict[str, Any], env: dict[str, str], workers: int = 1, name: str = "gw") -> LiveGateway:
        gw = LiveGateway(
            tmp_path / f"{name}{len(started)}",
            config,
            {"LITELLM_MASTER_KEY": MASTER, **env},
            workers,
        )
        started.append(gw)
        return gw.start()

    yield start
    for gw in started:
        gw.stop()
