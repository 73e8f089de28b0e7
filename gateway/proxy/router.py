"""model_name → deployments: precomputed upstream URLs and headers, shuffled per request."""

from __future__ import annotations

import random
from dataclasses import dataclass

from ..errors import BadRequest
from ..settings import Deployment

ANTHROPIC_VERSION = "2023-06-01"  # sent unless the client sends its own anthropic-version


def anthropic_root(api_base: str) -> str:
    """An anthropic/ api_base as written (`https://api.anthropic.com`, `.../v1` or LiteLLM's
    `.../v1/messages`) → the root the Messages API's paths hang from."""
    base = api_base.rstrip("/")
    for suffix in ("/v1/messages", "/v1"):
        if base.endswith(suffix):
            return base[: -len(suffix)]
    return base


def upstream_url(d: Deployment, op: str, api_base: str | None, api_version: str | None) -> str:
    """The URL of `op` on a deployment, with its api_base/api_version or a client's (clientside.py)."""
    if d.provider == "azure":
        return f"{api_base}/openai/deployments/{d.upstream_model}/{op}?api-version={api_version}"
    if d.provider == "anthropic":
        return f"{anthropic_root(api_base or '')}/v1/{op}"
    return f"{api_base}/{op}"


def upstream_headers(d: Deployment, api_key: str | None, organization: str | None) -> dict[str, str]:
    """The headers of a call: the key in the provider's header, and nothing else secret."""
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    if d.provider == "anthropic":
        headers["anthropic-version"] = ANTHROPIC_VERSION
    if api_key:
        if d.provider == "azure":
            headers["api-key"] = api_key
        elif d.provider == "anthropic":
            headers["x-api-key"] = api_key
        else:
            headers["Authorization"] = f"Bearer {api_key}"
    if organization:
        headers["OpenAI-Organization"] = organization
    return headers


@dataclass(frozen=True, slots=True)
class Target:
    deployment: Deployment
    headers: dict[str, str]

    def url(self, op: str) -> str:
        d = self.deployment
        return upstream_url(d, op, d.api_base, d.api_version)


class Router:
    def __init__(self, deployments: tuple[Deployment, ...]) -> None:
        groups: dict[str, list[Target]] = {}
        for d in deployments:
            groups.setdefault(d.model_name, []).append(
                Target(d, upstream_headers(d, d.api_key, d.organization))
            )
        self._groups = {name: tuple(ts) for name, ts in groups.items()}

    def model_names(self) -> list[str]:
        return list(self._groups)

    def candidates(self, model: str) -> list[Target]:
        """The model's deployments in a fresh random order (simple shuffle)."""
        targets = self._groups.get(model)
        if targets is None:
            raise BadRequest(
                f"Invalid model name passed in model={model}. Call `/v1/models` to view available models.",
                param="model",
            )
        if len(targets) == 1:
            return list(targets)
        order = list(targets)
        random.shuffle(order)
        return order
