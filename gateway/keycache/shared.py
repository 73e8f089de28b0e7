"""L2: Redis, shared by every process. A failing Redis is skipped for a while, not retried per request."""

from __future__ import annotations

import time
from typing import Any

import redis

from ..redis_failures import RedisFailures
from ..values import KeyRecord
from . import record as key_codec
from .stats import REDIS_ERROR, REDIS_SKIPPED

PREFIX = "gw:key:"
NEGATIVE = b"-"
BREAK_SECONDS = 2.0

# A mutation's fresh record replaces an older version, never a newer one, and never a
# tombstone (a deleted or rotated-away hash stays unknown) unless ARGV[4] is 1 (a customer:
# an id not known yet may be created later).
_CAS = """
local cur = redis.call('GET', KEYS[1])
if cur then
  if cur == '-' and ARGV[4] ~= '1' then return 0 end
  local v = tonumber(string.match(cur, '^%[%d+,(%d+)'))
  if v and v >= tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1
"""


class Shared:
    def __init__(
        self,
        client: redis.Redis,
        ttl: int,
        negative_ttl: int,
        prefix: str = PREFIX,
        codec: Any = key_codec,
        revivable: bool = False,
    ) -> None:
        """`codec` has encode/decode (keys: record.encode/decode; customers: the CustomerCodec);
        `revivable`: a tombstone may be replaced (an unknown customer created later)."""
        self._prefix = prefix
        self._codec = codec
        self._revive = "1" if revivable else "0"
        self._r = client
        self._ttl = ttl
        self._negative_ttl = negative_ttl
        self._cas = client.register_script(_CAS)
        self._open_until = 0.0
        self.failures = RedisFailures(
            "key cache L2", f"skipped for {BREAK_SECONDS:.0f} s at a time", counter=REDIS_ERROR
        )

    @property
    def available(self) -> bool:
        return time.monotonic() >= self._open_until

    def failed(self, what: str, exc: Exception) -> None:
        """A failed Redis call of the cache (here or the caller's): counted, logged on change,
        and L2 skipped for a while."""
        self.failures.failed(exc, what)
        # A breaker on top of the policy: while open, requests do not wait on a dead Redis.
        self._open_until = time.monotonic() + BREAK_SECONDS

    def get(self, token: str) -> tuple[bool, KeyRecord | None]:
        """(found, record): found with None is a tombstone (known unknown)."""
        if not self.available:
            REDIS_SKIPPED.inc()
            return False, None
        try:
            data = self._r.get(self._prefix + token)
        except redis.RedisError as exc:
            self.failed("get", exc)
            return False, None
        self.failures.ok()
        if data is None:
            return False, None
        if data == NEGATIVE:
            return True, None
        record = self._codec.decode(data)
        return record is not None, record

    def backfill(self, token: str, record: KeyRecord | None) -> None:
        """After a database read: set only if absent, so a concurrent mutation's write wins."""
        if not self.available:
            return
        try:
            if record is None:
                self._r.set(self._prefix + token, NEGATIVE, ex=self._negative_ttl, nx=True)
            else:
                self._r.set(self._prefix + token, self._codec.encode(record), ex=self._ttl, nx=True)
        except redis.RedisError as exc:
            self.failed("backfill", exc)

    def write(self, token: str, record: KeyRecord | None, created: bool) -> None:
        """After a mutation commits: the fresh record (or a tombstone) replaces what is there.
        Raises RedisError: the caller must know the write did not happen."""
        key = self._prefix + token
        if record is None:
            self._r.set(key, NEGATIVE, ex=self._ttl)
        elif created:
            self._r.set(key, self._codec.encode(record), ex=self._ttl)
        else:
            self._cas(keys=[key], args=[record.version, self._codec.encode(record), self._ttl, self._revive])

    def warm(self, records: list[KeyRecord]) -> int:
        """Load records that are absent (the warming job); returns how many were written."""
        pipe = self._r.pipeline(transaction=False)
        for record in records:
            pipe.set(self._prefix + record.token, self._codec.encode(record), ex=self._ttl, nx=True)
        return sum(1 for ok in pipe.execute() if ok)
