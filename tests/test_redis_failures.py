"""The one Redis failure policy: counted every time, logged when an outage starts and ends, then
skipped, or failed with the caller's error when configured."""

from __future__ import annotations

import logging

import pytest
import redis as redis_lib
from prometheus_client import REGISTRY
from redis.backoff import NoBackoff
from redis.retry import Retry

from gateway.errors import ServiceUnavailable
from gateway.redis_failures import RedisFailures
from tests.support.net import closed_port


def dead_redis() -> redis_lib.Redis:
    # No client-side retries: each call fails at once, as the policy's caller sees it.
    return redis_lib.Redis(port=closed_port(), socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0))


def errors(component: str) -> float:
    return REGISTRY.get_sample_value("gateway_redis_errors_total", {"component": component}) or 0.0


def call(failures: RedisFailures, client: redis_lib.Redis, **kw) -> str:
    try:
        client.get("k")
    except redis_lib.RedisError as exc:
        failures.failed(exc, "get", **kw)
        return "skipped"
    failures.ok()
    return "ok"


def test_an_outage_is_counted_every_time_and_logged_when_it_starts_and_ends(redis_url, caplog):
    caplog.set_level(logging.INFO, logger="gateway.redis_failures")
    dead = dead_redis()
    live = redis_lib.Redis.from_url(redis_url)
    failures = RedisFailures("usage_queue", "buffering in process")
    before = errors("usage_queue")
    assert [call(failures, dead) for _ in range(5)] == ["skipped"] * 5
    assert [call(failures, live) for _ in range(3)] == ["ok"] * 3
    assert errors("usage_queue") - before == 5
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "usage_queue: Redis unavailable (get: ConnectionError), buffering in process",
        "usage_queue: Redis reachable again",
    ]
    dead.close()
    live.close()


def test_configured_to_fail_it_raises_the_callers_error_except_where_told_to_skip():
    dead = dead_redis()
    failures = RedisFailures("limits", "failing closed", fail_with=lambda: ServiceUnavailable("no limits"))
    with pytest.raises(ServiceUnavailable, match="no limits"):
        call(failures, dead)
    assert call(failures, dead, skip=True) == "skipped"  # a release: never the client's failure
    dead.close()
