"""Faults: Redis stopped mid-run, the database unreachable; both recover without a restart."""

from __future__ import annotations

import logging
import time

import pytest
import redis as redis_lib

from gateway.stages import stages
from tests.keys.conftest import MODELS, Admin, chat
from tests.metrics import sample
from tests.support.bus import wait_subscribed
from tests.support.tcpproxy import TcpProxy


def until(predicate, timeout: float, what: str) -> float:
    start = time.monotonic()
    while not predicate():
        assert time.monotonic() - start < timeout, f"{what}: not within {timeout} s"
        time.sleep(0.01)
    return time.monotonic() - start


def test_redis_stopped_mid_run_keys_keep_working_and_revocation_recovers(make_app, own_redis, caplog):
    caplog.set_level(logging.WARNING)
    a = make_app(MODELS, env={"REDIS_URL": own_redis.url})
    b = make_app(MODELS, env={"REDIS_URL": own_redis.url})
    ca, cb = a.test_client(), b.test_client()
    admin = Admin(ca)
    warm, cold = admin.generate()["key"], admin.generate()["key"]
    wait_subscribed(a)
    wait_subscribed(b)
    assert chat(cb, warm).status_code == 200

    redis_errors = sample(cb, "gateway_keycache_errors_total", {"layer": "redis"})
    own_redis.stop()
    statuses = [chat(cb, warm).status_code for _ in range(30)] + [
        chat(cb, cold).status_code for _ in range(30)
    ]
    assert statuses == [200] * 60  # L1, then the database: never an error to the client
    until(lambda: not stages(b).keycache.bus.connected, 5, "B noticing the lost subscription")
    redis_warnings = [r for r in caplog.records if "Redis unavailable" in r.getMessage()]
    assert 1 <= len(redis_warnings) <= 5, "a Redis outage is logged when it starts, not per request"
    assert sample(cb, "gateway_keycache_errors_total", {"layer": "redis"}) > redis_errors

    # Even with no bus, B trusts its L1 only briefly: a revocation on A reaches it within ~1 s.
    admin.post("/key/block", {"key": warm})
    until(lambda: chat(cb, warm).status_code == 401, 2.5, "revocation without Redis")

    own_redis.start()  # same port
    until(lambda: stages(b).keycache.bus.connected, 10, "B resubscribing")
    assert chat(cb, cold).status_code == 200
    admin.post("/key/block", {"key": cold})
    until(lambda: chat(cb, cold).status_code == 401, 1.0, "revocation over the recovered bus")


@pytest.fixture
def db_proxy(pg_url):
    from urllib.parse import urlsplit

    proxy = TcpProxy(urlsplit(pg_url).port or 5432).start()
    yield proxy
    proxy.stop()


def test_database_unreachable_warm_keys_pass_cold_keys_503_then_recovery(
    make_app, own_redis, pg_url, db_proxy
):
    proxied = pg_url.replace(":5432/", f":{db_proxy.port}/")
    app = make_app(MODELS, env={"REDIS_URL": own_redis.url, "DATABASE_URL": proxied})
    client = app.test_client()
    admin = Admin(client)
    in_l1, in_l2, cold = (admin.generate()["key"] for _ in range(3))
    wait_subscribed(app)
    assert chat(client, in_l1).status_code == 200
    from gateway.headers import hash_secret

    redis_lib.Redis.from_url(own_redis.url).delete("gw:key:" + hash_secret(cold))  # never cached anywhere

    db_proxy.cut()
    assert chat(client, in_l1).status_code == 200
    assert chat(client, in_l2).status_code == 200
    for key in (cold, "sk-never-seen-before-0000000"):
        resp = chat(client, key)
        assert resp.status_code == 503, "an uncached key must never pass while the database is down"
        assert resp.json["error"]["type"] == "service_unavailable"
    assert client.get("/health/readiness").status_code == 503

    db_proxy.restore()
    until(lambda: chat(client, cold).status_code == 200, 10, "recovery after the database is back")
    assert client.get("/health/readiness").status_code == 200
