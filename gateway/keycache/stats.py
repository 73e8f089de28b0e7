"""Counters of the key cache: Prometheus children bound once here (an increment on the hot path
is one call, ~1 µs). They are the one record of what the cache did: tests read them from /metrics."""

from __future__ import annotations

from ..metrics.registry import KEYCACHE_ERRORS, KEYCACHE_EVENTS, KEYCACHE_LOOKUPS

L1, L2, DB, MISS, NEGATIVE, STALE = (
    KEYCACHE_LOOKUPS.labels(r) for r in ("l1", "l2", "db", "miss", "negative", "stale")
)
REDIS_ERROR, DB_ERROR = (KEYCACHE_ERRORS.labels(layer) for layer in ("redis", "db"))
INVALIDATED, RESUBSCRIBED, COALESCED, REDIS_SKIPPED = (
    KEYCACHE_EVENTS.labels(e) for e in ("invalidated", "resubscribed", "coalesced", "redis_skipped")
)
