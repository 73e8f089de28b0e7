"""Named leases with a TTL: the one lock mechanism of the background work (a job's claim on its
interval, the usage flush's hold on the queue). In Redis (SET NX PX) when it is configured, so
they hold across every process and host; else in this process, the embedded default's only one.
Redis errors are raised: each caller decides, through its RedisFailures, what a failure means."""

from __future__ import annotations

import secrets
import threading
import time

import redis

from . import forks


class _Local:
    """The in-process leases: name → (token, monotonic expiry)."""

    def __init__(self) -> None:
        self._reset()
        forks.on_fork(self._reset)

    def _reset(self) -> None:
        self.guard = threading.Lock()  # a parent thread may have held it at the fork
        self.held: dict[str, tuple[str, float]] = {}  # the parent's leases are the parent's


_LOCAL = _Local()


def acquire(client: redis.Redis | None, name: str, ttl: float) -> str | None:
    """Take lease `name` for `ttl` seconds if nobody holds it; its token, or None when taken."""
    token = secrets.token_hex(8)
    if client is not None:
        return token if client.set(name, token, nx=True, px=max(1, int(ttl * 1000))) else None
    with _LOCAL.guard:
        now = time.monotonic()
        held = _LOCAL.held.get(name)
        if held is not None and held[1] > now:
            return None
        _LOCAL.held[name] = (token, now + ttl)
        return token


def renew(client: redis.Redis | None, name: str, ttl: float) -> None:
    """Extend a lease being held for another `ttl` seconds (a long drain renews per batch)."""
    if client is not None:
        client.pexpire(name, max(1, int(ttl * 1000)))
        return
    with _LOCAL.guard:
        held = _LOCAL.held.get(name)
        if held is not None:
            _LOCAL.held[name] = (held[0], time.monotonic() + ttl)


def release(client: redis.Redis | None, name: str, token: str) -> None:
    """Give the lease back, only if it is still ours (it may have expired and been taken since)."""
    if client is not None:
        if client.get(name) == token.encode():
            client.delete(name)
        return
    with _LOCAL.guard:
        if _LOCAL.held.get(name, ("", 0.0))[0] == token:
            del _LOCAL.held[name]
