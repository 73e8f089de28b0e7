"""GET /metrics and the request counter: what Prometheus scrapes (the counters: gateway/metrics/).

/metrics is public by default, as in LiteLLM, so existing scrape configs keep working, and
because no label carries anything secret or personal. `litellm_settings:
require_auth_for_metrics_endpoint: true` puts it behind the guard: a proxy admin, or a key whose
`allowed_routes` include "/metrics" (a scrape-only key, not the master key).
"""

from __future__ import annotations

import os

from flask import Blueprint, Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client import multiprocess as prom_multiprocess

from .guard import guard
from .jobs.metrics import JobCollector
from .metrics.registry import REQUESTS
from .stages import stages

bp = Blueprint("metrics", __name__)

UNMATCHED = "<unmatched>"
MAX_CHILDREN = 4096  # (route, status, method) combinations memoised; beyond, labels() each time
_children: dict[tuple[str, int, str], object] = {}


def _count_request(response: Response) -> Response:
    """after_request: one increment, the labels' child looked up in a plain dict (no lock)."""
    rule = request.url_rule
    principal = g.get("principal")
    key = (
        rule.rule if rule is not None else UNMATCHED,
        response.status_code,
        principal.method if principal is not None else "none",
    )
    child = _children.get(key)
    if child is None:
        child = REQUESTS.labels(key[0], str(key[1]), key[2])
        if len(_children) < MAX_CHILDREN:
            _children[key] = child
    child.inc()
    return response


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Every worker's files, summed; a fresh registry per scrape, as prometheus-client asks.
        registry = CollectorRegistry()
        prom_multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


@bp.get("/metrics")
def metrics() -> Response:
    s = stages()
    if s.settings.metrics_require_auth:
        guard(request)
    jobs = CollectorRegistry(auto_describe=False)  # job runs, read from Redis at scrape time
    jobs.register(JobCollector(s.redis))
    data = generate_latest(_registry()) + generate_latest(jobs)
    return Response(data, content_type=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    app.after_request(_count_request)
    app.register_blueprint(bp)
