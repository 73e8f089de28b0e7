"""Observability: the Prometheus counters the stages count along the request path (registry.py).

Counted in one place each: requests (scrape.py's after_request hook), auth failures (where
errors are rendered, errors.py), key-cache answers (keycache/stats.py), upstream latency
(proxy/upstream.py), Redis failures (redis_failures.py), job runs (jobs/metrics.py). This
package imports nothing of the gateway: every stage may count here; GET /metrics is scrape.py.
"""
