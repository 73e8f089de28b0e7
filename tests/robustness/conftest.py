"""The fault suite: a live gateway (gunicorn + gevent workers), real PostgreSQL and Redis, faults
injected for real (a Redis process stopped, a TCP path to PostgreSQL cut or stalled, an upstream
that hangs, clients that vanish or send too much)."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator

import pytest

from tests.conftest import MASTER
from tests.support.redis_server import RedisServer


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/robustness/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.fault)


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    server = RedisServer().start()
    yield server
    server.stop()


def call(
    gw, path: str, body: dict | None = None, key: str = MASTER, timeout: float = 10
) -> tuple[int, dict | bytes]:
    """One request on a fresh connection: (status, parsed JSON or raw bytes)."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        gw.url + path,
        data=data,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw


def chat_body(model: str = "gpt-4o", stream: bool = False) -> dict:
    return {"model": model, "messages": [{"role": "user", "content": "hi"}], "stream": stream}
