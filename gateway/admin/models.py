"""`GET /model/info` and `/v1/model/info` (LiteLLM's): each deployment the caller may use, with its
litellm_params minus every secret, and its model_info."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flask import Response, current_app, g, request

from ..authz.teams import visible_to_any_team
from ..settings import Deployment
from ..stages import stages
from . import bp
from .query import refuse_unknown


def _without_userinfo(url: str) -> str:
    """An api_base with `user:password@` in it keeps the host, not the credentials."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def public_params(d: Deployment) -> dict[str, Any]:
    """The deployment's litellm_params as configured, without api_key (the one secret in them)."""
    params: dict[str, Any] = {"model": f"{d.provider}/{d.upstream_model}"}
    if d.api_base:
        params["api_base"] = _without_userinfo(d.api_base)
    if d.api_version:
        params["api_version"] = d.api_version
    if d.organization:
        params["organization"] = d.organization
    params["timeout"], params["stream_timeout"] = d.timeout, d.stream_timeout
    if d.mock_response is not None:
        params["mock_response"] = d.mock_response
    clientside: list[Any] = sorted(d.clientside.names)
    clientside += [{"api_base": p.pattern} for p in d.clientside.api_base_patterns]
    if clientside:
        params["configurable_clientside_auth_params"] = clientside
    return params


def visible_deployments(model: str | None = None) -> list[Deployment]:
    """The deployments of the models the caller may use (of `model` only, if given)."""
    s = stages()
    if model is not None:
        s.proxy.deployments_of(model)  # 400 naming an unknown model
    allowed = set(visible_to_any_team(g.principal, s.proxy.model_names(), s.access))  # a JWT's teams too
    return [d for d in s.settings.deployments if d.model_name in allowed and model in (None, d.model_name)]


def _info(d: Deployment) -> dict[str, Any]:
    info = {
        **d.model_info,
        "id": d.id,
        "input_cost_per_token": d.input_cost_per_token,
        "output_cost_per_token": d.output_cost_per_token,
    }
    return {"model_name": d.model_name, "litellm_params": public_params(d), "model_info": info}


@bp.get("/model/info")
@bp.get("/v1/model/info")
def model_info() -> Response:
    refuse_unknown({"litellm_model_id"})
    wanted = request.args.get("litellm_model_id")
    data = [_info(d) for d in visible_deployments() if wanted in (None, d.id)]
    return current_app.json.response({"data": data})
