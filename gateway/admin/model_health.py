"""`GET /health` (LiteLLM's shape): which deployments answer. Unlike LiteLLM, which sends each one
a real completion (billed), it asks each upstream for its model list (`GET {api_base}/models`, free
on OpenAI, Azure and OpenAI-compatible servers): that checks the address and the key, and costs
nothing. Answers are cached a few seconds, so a polling dashboard does not hammer the upstreams."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
from cachetools import TTLCache
from flask import Response, current_app, request

from ..proxy.router import anthropic_root, upstream_headers
from ..settings import Deployment
from . import bp
from .models import public_params, visible_deployments
from .query import refuse_unknown

log = logging.getLogger(__name__)

CONNECT_TIMEOUT, READ_TIMEOUT = 3.0, 5.0
CACHE_TTL = 10.0  # seconds an answer is reused
MAX_PARALLEL = 8
_cache: TTLCache[str, str | None] = TTLCache(maxsize=1024, ttl=CACHE_TTL)
_lock = threading.Lock()


def _models_url(d: Deployment) -> str:
    if d.provider == "azure":
        return f"{d.api_base}/openai/models?api-version={d.api_version}"
    if d.provider == "anthropic":  # Anthropic lists models too (GET /v1/models, x-api-key)
        return f"{anthropic_root(d.api_base or '')}/v1/models"
    return f"{d.api_base}/models"


def probe(d: Deployment) -> str | None:
    """None when the deployment answers and accepts its key; else why not (no secret in it)."""
    if d.mock_response is not None:
        return None  # answered by the gateway itself
    headers = upstream_headers(d, d.api_key, d.organization)
    headers.pop("Content-Type", None)
    try:
        resp = requests.get(
            _models_url(d), headers=headers, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT), allow_redirects=False
        )
    except requests.Timeout:
        return f"the upstream did not answer within {READ_TIMEOUT:g} s"
    except requests.RequestException as exc:
        return f"the upstream is unreachable ({type(exc).__name__})"
    resp.close()
    if resp.status_code in (401, 403):
        return f"the upstream refused the configured key ({resp.status_code})"
    if resp.status_code >= 500:
        return f"the upstream answered {resp.status_code}"
    return None


def _checked(d: Deployment) -> str | None:
    with _lock:
        if d.id in _cache:
            return _cache[d.id]
    error = probe(d)
    if error:
        log.warning("health: deployment %s: %s", d.id, error)
    with _lock:
        _cache[d.id] = error
    return error


@bp.get("/health")
def model_health() -> Response:
    refuse_unknown({"model"})
    deployments = visible_deployments(request.args.get("model"))
    with ThreadPoolExecutor(max_workers=MAX_PARALLEL) as pool:
        errors = list(pool.map(_checked, deployments))
    healthy: list[dict[str, Any]] = []
    unhealthy: list[dict[str, Any]] = []
    for d, error in zip(deployments, errors, strict=True):
        entry = {"model_name": d.model_name, **public_params(d), "model_id": d.id}
        if error is None:
            healthy.append(entry)
        else:
            unhealthy.append({**entry, "error": error})
    return current_app.json.response(
        {
            "healthy_endpoints": healthy,
            "unhealthy_endpoints": unhealthy,
            "healthy_count": len(healthy),
            "unhealthy_count": len(unhealthy),
        }
    )
