"""Failed UI logins, counted per client address: past the limit in a window, the login form
answers 429 until the window ends (a weak UI_PASSWORD cannot be guessed at wire speed).

Shared in Redis across instances; in process memory on the embedded default, or while Redis
fails (redis_failures.py: logged once, counted, then the local count is used)."""

from __future__ import annotations

import threading

import redis
from cachetools import TTLCache
from flask import current_app, request

from ..errors import RateLimited
from ..extensions import get_redis
from ..redis_failures import RedisFailures

LIMIT = 10  # failed logins per address per window
WINDOW = 300  # seconds
_failures = RedisFailures("ui_login_throttle", "counting failed UI logins in this process")
_lock = threading.Lock()


def _local() -> TTLCache[str, int]:
    """This app's own count (bounded; an entry lives WINDOW seconds from its last failure)."""
    return current_app.extensions.setdefault("ui_login_failures", TTLCache(maxsize=10_000, ttl=WINDOW))


def _address() -> str:
    return request.remote_addr or "unknown"


def _redis_key() -> str:
    return f"gw:ui:login_failures:{_address()}"


def _count() -> int:
    client = get_redis(current_app)
    if client is not None:
        try:
            value = client.get(_redis_key())
            _failures.ok()
            return int(value or 0)
        except redis.RedisError as exc:
            _failures.failed(exc)
    with _lock:
        return _local().get(_address(), 0)


def check() -> None:
    """Before checking a login: refuse while this address is over its failures."""
    if _count() >= LIMIT:
        raise RateLimited(
            f"Too many failed logins from this address: try again in {WINDOW // 60} minutes.",
            headers={"Retry-After": str(WINDOW)},
            reason="ui_login_throttled",
        )


def failed() -> None:
    client = get_redis(current_app)
    if client is not None:
        try:
            with client.pipeline() as pipe:  # the window starts at the first failure
                pipe.set(_redis_key(), 0, ex=WINDOW, nx=True).incr(_redis_key()).execute()
            _failures.ok()
            return
        except redis.RedisError as exc:
            _failures.failed(exc)
    with _lock:
        _local()[_address()] = _local().get(_address(), 0) + 1
