"""The read-through chain L1 → L2 → database, single-flight per hash, and write-through invalidation."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import redis
from flask import Flask

from .. import forks
from ..settings import Settings
from ..values import KeyRecord, Scope
from . import record as codec
from . import stats as counters
from . import store
from .bus import Bus
from .memory import Memory
from .shared import Shared

log = logging.getLogger(__name__)

NEGATIVE_TTL = 30.0
FLIGHT_WAIT = 5.0
# Customers share L1 and the invalidation channel with keys under this prefix (a key's token
# is 64 hex digits: no collision); in L2 they live under their own prefix.
CUSTOMER = "c:"
CUSTOMER_PREFIX = "gw:cust:"


class _Flight:
    __slots__ = ("done", "error", "event", "result")

    def __init__(self) -> None:
        self.event = threading.Event()
        self.done = False
        self.result: KeyRecord | Scope | None = None
        self.error: Exception | None = None


class KeyCache:
    """The stage's object: `lookup` for the auth chain, `invalidate` after a key changes, `warm`
    for the warming job. `app` gives the invalidation subscriber an app context to read in."""

    def __init__(self, app: Flask, settings: Settings, client: redis.Redis | None) -> None:
        ttl = settings.key_cache_ttl
        negative_ttl = min(NEGATIVE_TTL, ttl)
        self.app = app
        self.memory = Memory(ttl, negative_ttl)
        self._redis = client
        self.shared: Shared | None = None
        self.customers: Shared | None = None
        self.bus: Bus | None = None
        if self._redis is not None:
            self.shared = Shared(self._redis, int(max(ttl * 5, 1)), int(max(negative_ttl, 1)))
            self.customers = Shared(
                self._redis, int(max(ttl * 5, 1)), int(max(negative_ttl, 1)),
                prefix=CUSTOMER_PREFIX, codec=codec.CustomerCodec, revivable=True,
            )  # fmt: skip
            self.bus = Bus(settings.redis_url, self.memory, self._replay)
        self._flights: dict[str, _Flight] = {}
        forks.on_fork(self._after_fork)

    def _after_fork(self) -> None:
        self._flights = {}  # reads led by the parent's threads, which the child does not have

    def lookup(self, token: str) -> KeyRecord | None:
        """The key record for a SHA-256 hash, or None for an unknown key (503 if nothing can answer)."""
        bus = self.bus
        if bus is not None:
            bus.ensure_started()
        record, negative, stale = self.memory.get(token, trusted=bus is None or bus.connected)
        if record is not None:
            counters.L1.inc()
            return record
        if negative:
            counters.NEGATIVE.inc()
            return None
        return self._single_flight(token, stale)

    def customer(self, customer_id: str) -> Scope | None:
        """A customer's snapshot (blocked, models, limits), from the same layers as keys; None for
        an id the database does not know (cached like an unknown key)."""
        bus = self.bus
        if bus is not None:
            bus.ensure_started()
        token = CUSTOMER + customer_id
        found, negative, stale = self.memory.get(token, trusted=bus is None or bus.connected)
        if found is not None:
            counters.L1.inc()
            return found  # type: ignore[return-value]
        if negative:
            counters.NEGATIVE.inc()
            return None
        return self._single_flight(token, stale)  # type: ignore[arg-type,return-value]

    def _layers(self, token: str) -> tuple[Shared | None, str, Any]:
        """(L2, its key, the database read) for a key hash or a customer token."""
        if token.startswith(CUSTOMER):
            return self.customers, token[len(CUSTOMER) :], store.load_customer
        return self.shared, token, store.load

    def _single_flight(self, token: str, stale: KeyRecord | None) -> KeyRecord | None:
        """Concurrent misses for one hash wait for one read instead of each going to the database."""
        mine = _Flight()
        flight = self._flights.setdefault(token, mine)  # atomic: exactly one caller leads
        if flight is not mine:
            counters.COALESCED.inc()
            if flight.event.wait(FLIGHT_WAIT) and flight.done:
                if flight.error is not None:
                    raise flight.error
                return flight.result
            return self._read_through(token, stale)  # the leader is stuck: read for ourselves
        try:
            mine.result = self._read_through(token, stale)
            return mine.result
        except Exception as exc:
            mine.error = exc
            raise
        finally:
            mine.done = True
            self._flights.pop(token, None)
            mine.event.set()

    def _read_through(self, token: str, stale: KeyRecord | None) -> KeyRecord | None:
        epoch = self.memory.epoch
        shared, name, load = self._layers(token)
        if shared is not None:
            found, record = shared.get(name)
            if found:
                if record is None:
                    counters.NEGATIVE.inc()
                else:
                    counters.L2.inc()
                self.memory.put(token, record, epoch)
                return record
        try:
            record = load(name)
        except store.StoreUnavailable:
            counters.DB_ERROR.inc()
            if stale is not None:
                counters.STALE.inc()
                return stale
            raise
        if record is None:
            counters.MISS.inc()
        else:
            counters.DB.inc()
        if shared is not None:
            shared.backfill(name, record)
        self.memory.put(token, record, epoch)
        return record

    def invalidate(self, tokens: Iterable[str], created: Iterable[str] = ()) -> None:
        """After a commit, with every hash whose record changed (`created`: new ones): drop them
        from L1 here, write the fresh state to L2, tell every process."""
        tokens = list(dict.fromkeys(tokens))
        created = frozenset(created)
        self.memory.drop(tokens)
        if self._redis is None or self.bus is None or self.shared is None:
            return
        self.bus.ensure_started()
        try:
            for token in tokens:
                shared, name, load = self._layers(token)
                if shared is not None:
                    shared.write(name, load(name), created=token in created)
            self.bus.publish(self._redis, tokens)
        except redis.RedisError as exc:
            self.shared.failed("invalidate (deferred: replayed when Redis answers)", exc)
            self.bus.defer(tokens)
        except store.StoreUnavailable:
            log.warning("key invalidation deferred (database unavailable): replayed when Redis answers")
            self.bus.defer(tokens)

    def invalidate_customers(self, customer_ids: Iterable[str]) -> None:
        """After a commit that changed, created or deleted these customers."""
        self.invalidate([CUSTOMER + c for c in customer_ids])

    def warm(self, since: datetime) -> tuple[int, int] | None:
        """Keys used since `since` put into L2 where absent: (found, written); None without Redis."""
        if self.shared is None:
            return None
        records = store.recently_used(since)
        return len(records), self.shared.warm(records) if records else 0

    def close(self) -> None:
        """Stop the subscriber (tests and shutdown); the cache keeps answering from L1/L2/DB."""
        if self.bus is not None:
            self.bus.stop()

    def _replay(self, tokens: list[str]) -> None:
        with self.app.app_context():
            self.invalidate(tokens)
