"""Counters of the key cache, per process (read by the metrics endpoint)."""

from __future__ import annotations

from dataclasses import asdict, dataclass


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
