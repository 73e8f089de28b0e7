"""Observability: Prometheus metrics counted along the request path, served at GET /metrics.

Counted in one place each: requests (an after_request hook), auth failures (where errors are
rendered, errors.py), key-cache answers (keycache/cache.py), upstream latency
(proxy/upstream.py), job runs (`record_job`, called by the Celery jobs).

/metrics is public by default, as in LiteLLM, so existing scrape configs keep working, and
because no label carries anything secret or personal. `litellm_settings:
require_auth_for_metrics_endpoint: true` puts it behind the auth chain: a proxy admin, or a
key whose `allowed_routes` include "/metrics" (a scrape-only key, not the master key).
"""

from __future__ import annotations

import os

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client import multiprocess as prom_multiprocess

from ..extensions import get_redis
from .jobs import JobCollector, record_job
from .registry import REQUESTS, count_auth_failure

__all__ = ["count_auth_failure", "init_app", "record_job"]

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
    if current_app.extensions["gateway.settings"].metrics_require_auth:
        from ..auth import authenticate
        from ..authz import authorize_route

        principal = authenticate(request)
        authorize_route(principal, "/metrics")
        g.principal = principal
    data = generate_latest(_registry()) + generate_latest(current_app.extensions["gateway.metrics.jobs"])
    return Response(data, content_type=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    jobs = CollectorRegistry(auto_describe=False)
    jobs.register(JobCollector(get_redis(app)))
    app.extensions["gateway.metrics.jobs"] = jobs
    app.extensions.setdefault("gateway.job_hooks", []).append(record_job)
    app.after_request(_count_request)
    app.register_blueprint(bp)
