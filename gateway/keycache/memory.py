"""L1: per-process memory, bounded LRU with a TTL, plus a separate cache of unknown hashes.

Unknown (negative) entries live apart from known keys, so a flood of bad keys can evict
only other bad keys, never the good ones.
"""

from __future__ import annotations

import threading
import time

from cachetools import TTLCache

from .. import forks
from ..values import KeyRecord, Scope

Cached = KeyRecord | Scope  # a key's record, or a customer's snapshot (token `c:<id>`)

# While no invalidation can reach this process (the bus is down), a cached key is trusted
# for this long only; after that the next request re-reads it (revocation still within ~1 s).
DEGRADED_TTL = 1.0


class Memory:
    def __init__(
        self, ttl: float, negative_ttl: float, maxsize: int = 50_000, negative_maxsize: int = 100_000
    ) -> None:
        self._known: TTLCache[str, tuple[Cached, float]] = TTLCache(maxsize, ttl)
        self._unknown: TTLCache[str, bool] = TTLCache(negative_maxsize, negative_ttl)
        self._lock = threading.Lock()
        # Bumped by every invalidation: a read that started before one must not be stored.
        self.epoch = 0
        forks.on_fork(self._after_fork)

    def _after_fork(self) -> None:
        # A parent thread may have held the lock at the fork; and the child has no subscription
        # yet, so what the parent cached may miss invalidations: start empty.
        self._lock = threading.Lock()
        self.epoch += 1
        self._known.clear()
        self._unknown.clear()

    def get(self, token: str, trusted: bool) -> tuple[Cached | None, bool, Cached | None]:
        """(record, negative_hit, stale): a usable record, a known-unknown hash, or a stale copy
        (past the degraded TTL) kept as a fallback when the lower layers fail."""
        with self._lock:
            entry = self._known.get(token)
            if entry is not None:
                record, stored = entry
                if trusted or time.monotonic() - stored < DEGRADED_TTL:
                    return record, False, None
                return None, False, record
            return None, token in self._unknown, None

    def put(self, token: str, record: Cached | None, epoch: int) -> None:
        """Store unless an invalidation arrived since the read began (its result may be stale)."""
        with self._lock:
            if epoch != self.epoch:
                return
            if record is None:
                self._unknown[token] = True
            else:
                self._known[token] = (record, time.monotonic())

    def drop(self, tokens: list[str]) -> None:
        with self._lock:
            self.epoch += 1
            for token in tokens:
                self._known.pop(token, None)
                self._unknown.pop(token, None)

    def clear(self) -> None:
        with self._lock:
            self.epoch += 1
            self._known.clear()
            self._unknown.clear()

    def __len__(self) -> int:
        return len(self._known) + len(self._unknown)
