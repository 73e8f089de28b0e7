"""Counters of the key cache: per process in `Stats` (tests read them), and in Prometheus
children bound once here (an increment on the hot path is one call, ~1 µs)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..metrics.registry import KEYCACHE_ERRORS, KEYCACHE_LOOKUPS

L1, L2, DB, MISS, NEGATIVE, STALE = (
    KEYCACHE_LOOKUPS.labels(r) for r in ("l1", "l2", "db", "miss", "negative", "stale")
)
REDIS_ERROR, DB_ERROR = (KEYCACHE_ERRORS.labels(layer) for layer in ("redis", "db"))


@dataclass
class Stats:
    l1_hits: int = 0
    l2_hits: int = 0
    db_hits: int = 0
    misses: int = 0  # unknown to the database too
    negative_hits: int = 0  # answered "unknown" from L1 or L2
    coalesced: int = 0  # misses that waited for another request's read of the same hash
    stale_served: int = 0  # database down: a stale L1 copy answered
    invalidations: int = 0
    resubscribes: int = 0
    redis_errors: int = 0
    redis_skipped: int = 0
    db_errors: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)
