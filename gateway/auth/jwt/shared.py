"""The JWKS copy shared through Redis: one key per URL, written after each IdP fetch, read on expiry."""

from __future__ import annotations

import hashlib
import logging

import orjson
import redis

from ...redis_failures import RedisFailures
from .fetch import FetchError, KeyRing, parse_jwks

log = logging.getLogger(__name__)


def redis_key(url: str) -> str:
    return "gw:jwks:" + hashlib.sha256(url.encode()).hexdigest()


class SharedCopies:
    """Redis as a cache layer: a failure is counted, logged when the outage starts, and skipped."""

    def __init__(self, client: redis.Redis | None, ttl: float) -> None:
        self.client = client
        self.ttl = max(1, int(ttl))
        self.failures = RedisFailures("jwks", "skipping the shared copy")

    def read(self, url: str, newer_than: float | None, now: float) -> tuple[KeyRing, float] | None:
        """The shared set and its fetch time, if there is one fetched after `newer_than`."""
        if self.client is None:
            return None
        try:
            raw = self.client.get(redis_key(url))
        except redis.RedisError as exc:
            self.failures.failed(exc, "read")
            return None
        self.failures.ok()
        if raw is None:
            return None
        try:
            data = orjson.loads(raw)
            fetched_at = min(float(data["fetched_at"]), now)  # another host's clock may run ahead
            if newer_than is not None and fetched_at <= newer_than:
                return None
            return parse_jwks(data["jwks"]), fetched_at
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, FetchError) as exc:
            log.warning("JWKS copy in Redis for %s is unreadable, ignored: %s", url, exc)
            return None

    def write(self, url: str, ring: KeyRing, fetched_at: float) -> None:
        if self.client is None:
            return
        value = orjson.dumps({"url": url, "fetched_at": fetched_at, "jwks": ring.document})
        try:
            self.client.set(redis_key(url), value, ex=self.ttl)
        except redis.RedisError as exc:
            self.failures.failed(exc, "write")
            return
        self.failures.ok()
