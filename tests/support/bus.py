"""Waiting on an app's key-invalidation subscriber, so a test that counts cache layers is not
raced by the subscriber's start (which clears L1) or by an invalidation still in flight."""

from __future__ import annotations

import time

import redis

from gateway.keycache.bus import CHANNEL
from gateway.stages import stages


def wait_subscribed(app, timeout: float = 5.0) -> None:
    cache = stages(app).keycache
    cache.bus.ensure_started()
    deadline = time.monotonic() + timeout
    while not cache.bus.connected:
        assert time.monotonic() < deadline, "the invalidation bus never subscribed"
        time.sleep(0.01)


def settle(app, redis_url: str, timeout: float = 5.0) -> None:
    """Subscribed, and every invalidation published so far delivered: Redis delivers a channel's
    messages in order, so once a sentinel published now has arrived, all earlier ones have."""
    wait_subscribed(app, timeout)
    # Every invalidation message, the sentinel too, bumps the L1's epoch.
    memory = stages(app).keycache.memory
    seen = memory.epoch
    client = redis.Redis.from_url(redis_url)
    try:
        client.publish(CHANNEL, "sentinel-not-a-key-hash")
    finally:
        client.close()
    deadline = time.monotonic() + timeout
    while memory.epoch <= seen:
        assert time.monotonic() < deadline, "the sentinel invalidation never arrived"
        time.sleep(0.01)
