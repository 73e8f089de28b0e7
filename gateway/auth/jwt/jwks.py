"""The JWKS store: key sets per URL in process memory with a TTL, shared through Redis, re-fetched on
an unknown `kid` at most once per interval per URL (single-flight), the last good set served while
the IdP is down."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import redis
from joserfc.jwk import Key

from ... import forks
from ...errors import ServiceUnavailable
from .fetch import Fetcher, FetchError, KeyRing
from .shared import SharedCopies

log = logging.getLogger(__name__)

REFETCH_INTERVAL = 10.0  # an unknown kid re-fetches a URL at most this often
MAX_STALE = 3600.0  # how long past its TTL the last good set is served while the IdP is down
LOCK_WAIT = 45.0  # longer than a whole fetch: discovery and set, each with its connect, read and total limits
UNAVAILABLE = "JWT signing keys are unavailable: the identity provider cannot be reached."


class UnknownKey(Exception):
    """No usable key for the token's `kid`, after the re-fetch that was allowed."""


@dataclass(eq=False)
class _Entry:
    url: str
    lock: threading.Lock = field(default_factory=threading.Lock)
    ring: KeyRing | None = None
    fetched_at: float = 0.0  # wall clock, as the copy may come from another process through Redis
    last_load: float = float("-inf")  # monotonic: last attempt to renew an expired set
    last_refetch: float = float("-inf")  # monotonic: last re-fetch for an unknown kid
    fetches: int = 0  # completed IdP fetches; a waiter that sees it move does not fetch again


class JwksStore:
    """`key_for(kid)` answers from memory while the set is fresh: no network, no Redis."""

    def __init__(
        self,
        urls: tuple[str, ...],
        ttl: float,
        redis_client: redis.Redis | None = None,
        *,
        fetcher: Fetcher | None = None,
        refetch_interval: float = REFETCH_INTERVAL,
        max_stale: float = MAX_STALE,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        # Kept in Redis past the TTL, so a process started while the IdP is down still gets a set.
        self.shared = SharedCopies(redis_client, ttl + max_stale)
        self.fetcher = fetcher or Fetcher()
        self.refetch_interval = refetch_interval
        self.max_stale = max_stale
        self.clock = clock
        self.monotonic = monotonic
        self._entries = tuple(_Entry(url) for url in urls)
        forks.on_fork(self._after_fork)

    # -- lookup ----------------------------------------------------------------------------------

    def key_for(self, kid: str | None) -> Key:
        """The key for `kid`; UnknownKey if no set has it, ServiceUnavailable if a set is missing."""
        seen = [e.fetches for e in self._entries]
        for entry in self._entries:
            if not self._fresh(entry):
                self._renew(entry)
        key = self._find(kid)
        if key is not None:
            return key
        for entry, fetches in zip(self._entries, seen, strict=True):
            self._refetch(entry, fetches, kid)
        key = self._find(kid)
        if key is not None:
            return key
        if any(self._usable(e) is None for e in self._entries):
            raise ServiceUnavailable(UNAVAILABLE)  # the missing set might hold this kid
        raise UnknownKey(kid)

    def _fresh(self, entry: _Entry) -> bool:
        return entry.ring is not None and self.clock() < entry.fetched_at + self.ttl

    def _usable(self, entry: _Entry) -> KeyRing | None:
        ring = entry.ring
        if ring is None or self.clock() >= entry.fetched_at + self.ttl + self.max_stale:
            return None
        return ring

    def _find(self, kid: str | None) -> Key | None:
        rings = [r for r in map(self._usable, self._entries) if r is not None]
        if kid is None:  # a token without kid is accepted only where there is one key to choose
            keys = [k for r in rings for k in r.keys]
            return keys[0] if len(keys) == 1 else None
        for ring in rings:
            key = ring.by_kid.get(kid)
            if key is not None:
                return key
        return None

    # -- loading ---------------------------------------------------------------------------------

    def _renew(self, entry: _Entry) -> None:
        """An expired or missing set: Redis, then the IdP; never waits behind another loader."""
        if not entry.lock.acquire(blocking=False):
            return  # someone is loading it: serve what there is; an unknown kid waits in _refetch
        try:
            now = self.monotonic()
            if self._fresh(entry) or now - entry.last_load < self.refetch_interval:
                return
            entry.last_load = now
            self._from_redis(entry)  # another process, or the refresh job, may hold a newer copy
            if not self._fresh(entry):
                self._from_idp(entry)
        finally:
            entry.lock.release()

    def _refetch(self, entry: _Entry, fetches: int, kid: str | None) -> None:
        """An unknown kid: wait for a fetch in flight, else re-fetch if the interval allows."""
        if not entry.lock.acquire(timeout=LOCK_WAIT):
            return
        try:
            if entry.fetches != fetches:
                return  # a fetch finished while this request waited or searched: use its result
            now = self.monotonic()
            if now - entry.last_refetch < self.refetch_interval:
                return
            entry.last_refetch = now
            # Another process may have fetched the rotated set already.
            if self._from_redis(entry) and self._find(kid) is not None:
                return
            self._from_idp(entry)
        finally:
            entry.lock.release()

    def _from_idp(self, entry: _Entry) -> bool:
        try:
            ring = self.fetcher.fetch(entry.url)
        except FetchError as exc:
            stale = "serving the last good set" if self._usable(entry) else "no set to serve"
            log.warning("JWKS fetch failed for %s: %s; %s", entry.url, exc, stale)
            return False
        finally:
            entry.fetches += 1
        entry.ring, entry.fetched_at = ring, self.clock()
        self.shared.write(entry.url, ring, entry.fetched_at)
        return True

    def refresh_all(self) -> dict[str, bool]:
        """Fetch every URL now and store the sets (the refresh job's body); URL → success."""
        done: dict[str, bool] = {}
        for entry in self._entries:
            with entry.lock:
                entry.last_load = self.monotonic()
                done[entry.url] = self._from_idp(entry)
        return done

    def _after_fork(self) -> None:
        # A lock held by a thread of the parent would stay held forever in the child.
        for entry in self._entries:
            entry.lock = threading.Lock()

    def _from_redis(self, entry: _Entry) -> bool:
        """Adopt the shared copy if it is newer than this process's."""
        newer_than = entry.fetched_at if entry.ring is not None else None
        found = self.shared.read(entry.url, newer_than, self.clock())
        if found is None:
            return False
        entry.ring, entry.fetched_at = found
        return True
