"""The gateway's Prometheus metrics, defined once per process.

Labels are bounded by construction: a route is Flask's rule (never the raw path), a status
is an HTTP code the gateway returns, a reason or a layer is one of a fixed set. No label ever
carries a key, its hash, an alias, a user or a team.

Under gunicorn, prometheus-client's multiprocess mode (PROMETHEUS_MULTIPROC_DIR, set by
gateway/gunicorn_conf.py) keeps each worker's values in a memory-mapped file; a scrape sums
them. Without it (tests, `flask run`) they live in this process.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram, disable_created_metrics

# `*_created` series double the output and no dashboard reads them (multiprocess mode has none).
disable_created_metrics()

REQUESTS = Counter(
    "gateway_requests",
    "HTTP requests answered, by route (Flask's rule), status and auth method.",
    ["route", "status", "auth_method"],
)
AUTH_FAILURES = Counter(
    "gateway_auth_failures",
    "Requests refused by authentication or authorization (401/403), by reason.",
    ["reason"],
)
KEYCACHE_LOOKUPS = Counter(
    "gateway_keycache_lookups",
    "Virtual-key lookups by the layer that answered: l1, l2, db (a key), miss (unknown "
    "everywhere), negative (a cached unknown), stale (database down, an old L1 copy served).",
    ["result"],
)
KEYCACHE_ERRORS = Counter(
    "gateway_keycache_errors",
    "Key-cache layers that failed and were skipped: redis or db.",
    ["layer"],
)
KEYCACHE_EVENTS = Counter(
    "gateway_keycache_events",
    "Key-cache events: invalidated (a hash dropped from L1 by an invalidation message), "
    "resubscribed (the invalidation channel was lost and is being re-joined), coalesced (a miss "
    "that waited for another request's read of the same hash), redis_skipped (L2 skipped while "
    "Redis is considered down).",
    ["event"],
)
SOFT_BUDGET_CROSSINGS = Counter(
    "gateway_soft_budget_crossings",
    "Soft budgets crossed (spend went from below a soft_budget to at or above it), by level: key, team.",
    ["level"],
)
REDIS_ERRORS = Counter(
    "gateway_redis_errors",
    "Failed Redis calls, by component (limits, jwks, usage_queue, job_lock, job_metrics); the key "
    "cache counts its own in gateway_keycache_errors (layer=redis). See gateway/redis_failures.py.",
    ["component"],
)
# Buckets for time-to-response-head: a fast local model answers in ms, a large one in tens of s.
UPSTREAM_LATENCY = Histogram(
    "gateway_upstream_latency_seconds",
    "Time from sending a request upstream to its response head, by model (the config's "
    "model_name) and outcome (ok: a response head, whatever its status; timeout; error).",
    ["model", "outcome"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)


_auth_children: dict[str, Counter] = {}


def count_auth_failure(reason: str) -> None:
    """One refused request (401/403); `reason` is an error's reason or type, from a fixed set."""
    child = _auth_children.get(reason)
    if child is None:
        child = _auth_children.setdefault(reason, AUTH_FAILURES.labels(reason))
    child.inc()
