"""model_name → deployments: precomputed upstream URLs and headers, shuffled per request."""

from __future__ import annotations

import random
from dataclasses import dataclass

from ..errors import BadRequest
from ..settings import Deployment


@dataclass(frozen=True, slots=True)
class Target:
    deployment: Deployment
    headers: dict[str, str]

    def url(self, op: str) -> str:
        d = self.deployment
        if d.provider == "azure":
            return f"{d.api_base}/openai/deployments/{d.upstream_model}/{op}?api-version={d.api_version}"
        return f"{d.api_base}/{op}"


def _headers(d: Deployment) -> dict[str, str]:
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    if d.api_key:
        if d.provider == "azure":
            headers["api-key"] = d.api_key
        else:
            headers["Authorization"] = f"Bearer {d.api_key}"
    if d.organization:
        headers["OpenAI-Organization"] = d.organization
    return headers


class Router:
    def __init__(self, deployments: tuple[Deployment, ...]) -> None:
        groups: dict[str, list[Target]] = {}
        for d in deployments:
            groups.setdefault(d.model_name, []).append(Target(d, _headers(d)))
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
