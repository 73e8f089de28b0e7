"""Leases, the one lock of the background work: taken once until they expire or are released,
released only by their holder; the same in Redis and in process."""

from __future__ import annotations

import time

import pytest
import redis as redis_lib

from gateway import leases


@pytest.fixture(params=["redis", "local"])
def client(request, redis_url):
    if request.param == "local":
        yield None
        return
    r = redis_lib.Redis.from_url(redis_url)
    yield r
    r.close()


def test_a_lease_is_held_once_until_it_expires(client):
    name = f"gw:test:lease:{time.monotonic_ns()}"
    assert leases.acquire(client, name, 0.2) is not None
    assert leases.acquire(client, name, 0.2) is None  # a second beat in the same interval
    time.sleep(0.3)
    assert leases.acquire(client, name, 0.2) is not None


def test_only_the_holder_releases_and_renewing_keeps_it(client):
    name = f"gw:test:lease:{time.monotonic_ns()}"
    mine = leases.acquire(client, name, 0.3)
    assert mine is not None
    leases.release(client, name, "someone-elses-token")
    assert leases.acquire(client, name, 0.3) is None
    time.sleep(0.2)
    leases.renew(client, name, 0.3)
    time.sleep(0.2)  # past the first TTL, within the renewed one
    assert leases.acquire(client, name, 0.3) is None
    leases.release(client, name, mine)
    assert leases.acquire(client, name, 0.3) is not None
