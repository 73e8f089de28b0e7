"""PostgreSQL unreachable under a live gateway: refused (a restart, a failover) or silent (a
partition, a dead host). Cached keys and the master key keep working under load; a key no
cache knows is a quick 503, never a hang and never a pass; no worker gets stuck; service comes
back by itself."""

from __future__ import annotations

import json
import time
from urllib.parse import urlsplit

import pytest
import redis as redis_lib

from gateway.headers import hash_secret
from tests.keys.conftest import MODELS
from tests.robustness.conftest import call, chat_body
from tests.support.live import worker_pids
from tests.support.load import Load
from tests.support.tcpproxy import TcpProxy


@pytest.fixture
def db_path(pg_url):
    proxy = TcpProxy(urlsplit(pg_url).port or 5432).start()
    yield proxy
    proxy.unstall()
    proxy.stop()


@pytest.fixture
def gateway(live_gateway, pg_url, own_redis, db_path):
    proxied = pg_url.replace(":5432/", f":{db_path.port}/")
    return live_gateway(MODELS, {"DATABASE_URL": proxied, "REDIS_URL": own_redis.url}, workers=2)


def keys(gw, n: int) -> list[str]:
    made = [call(gw, "/key/generate", {}) for _ in range(n)]
    assert all(status == 200 for status, _ in made), made
    return [body["key"] for _, body in made]


def load_with(gw, key: str) -> Load:
    body = json.dumps(chat_body()).encode()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    return Load(gw.port, "/v1/chat/completions", body, headers, clients=6).start()


def cold(gw, key: str) -> tuple[int, float]:
    start = time.monotonic()
    status, _ = call(gw, "/v1/chat/completions", chat_body(), key, timeout=30)
    return status, time.monotonic() - start


@pytest.mark.parametrize("fault", ["refused", "silent"])
def test_database_unreachable_under_load(gateway, db_path, own_redis, fault):
    warm, cold_key = keys(gateway, 2)
    # Generating wrote the key to L2: forget it there, so only the database knows it.
    redis_lib.Redis.from_url(own_redis.url).delete("gw:key:" + hash_secret(cold_key))
    for _ in range(10):
        assert call(gateway, "/v1/chat/completions", chat_body(), warm)[0] == 200
    workers = set(worker_pids(gateway.proc.pid))

    load = load_with(gateway, warm)
    time.sleep(0.5)
    if fault == "refused":
        db_path.cut()  # new connections refused, open ones reset
    else:
        db_path.stall()  # open connections and new ones: TCP is fine, nothing ever answers
    time.sleep(0.5)
    status, took = cold(gateway, cold_key)
    assert status == 503, "a key no cache knows must be refused while the database is away"
    # Refused: at once. Silent: SQLAlchemy's pre-ping gives up after 5 s, then connect_timeout
    # (3 s) ends the reconnection: ~8 s measured, the bound this asserts with some room.
    assert took < (2 if fault == "refused" else 12), f"the 503 took {took:.1f} s"
    assert call(gateway, "/v1/chat/completions", chat_body())[0] == 200  # the master key
    assert call(gateway, "/health/liveliness")[0] == 200
    time.sleep(1.0)
    outcome = load.stop()

    assert outcome.errors == [], outcome.errors[:5]
    assert set(outcome.statuses) == {200}, outcome.statuses  # the warm key: L1/L2, no database
    assert outcome.quantile(0.99) < 1.0, "requests that need no database must not wait for it"
    assert set(worker_pids(gateway.proc.pid)) == workers

    if fault == "refused":
        db_path.restore()
    else:
        db_path.unstall()
    deadline = time.monotonic() + 15
    while cold(gateway, cold_key)[0] != 200:
        assert time.monotonic() < deadline, "service did not come back with the database"
        time.sleep(0.2)
