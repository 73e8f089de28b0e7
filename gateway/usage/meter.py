"""The meter of one proxied request: when it ends (body sent, stream done, client gone, error),
it becomes one UsageEvent with tokens from the upstream's `usage` and the cost from model_info."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from ..settings import Deployment
from ..values import Principal, UsageEvent
from .sink import UsageSink

OnEnd = Callable[[UsageEvent], None]


def new_request_id() -> str:
    return uuid.uuid4().hex


def _count(usage: Mapping[str, Any] | None, name: str) -> int:
    value = usage.get(name) if usage else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def tokens(usage: Mapping[str, Any] | None) -> tuple[int, int, int, int]:
    """(prompt, completion, cache_creation, cache_read) of an upstream's `usage`, in any of its
    spellings: chat, completions and embeddings say prompt/completion (cached tokens counted in
    the prompt, `prompt_tokens_details.cached_tokens`); /responses, images, audio and Anthropic's
    Messages API say input/output, and Anthropic counts cache writes and reads apart from
    `input_tokens`: the prompt here is all three."""
    completion = _count(usage, "completion_tokens") or _count(usage, "output_tokens")
    prompt = _count(usage, "prompt_tokens")
    if prompt:
        details = usage.get("prompt_tokens_details") if usage else None
        cached = _count(details, "cached_tokens") if isinstance(details, Mapping) else 0
        return prompt, completion, 0, min(cached, prompt)
    created = _count(usage, "cache_creation_input_tokens")
    read = _count(usage, "cache_read_input_tokens")
    return _count(usage, "input_tokens") + created + read, completion, created, read


def cost_of(d: Deployment, prompt: int, completion: int, created: int, read: int) -> float:
    """model_info's prices: cache writes and reads at theirs, the rest of the prompt at the input's."""
    return (
        (prompt - created - read) * d.input_cost_per_token
        + created * d.cache_creation_input_token_cost
        + read * d.cache_read_input_token_cost
        + completion * d.output_cost_per_token
    )


class Meter:
    __slots__ = (
        "_done",
        "_on_end",
        "_sink",
        "deployment",
        "event",
        "model",
        "principal",
        "request_id",
        "started",
        "wall",
    )

    def __init__(
        self,
        sink: UsageSink,
        principal: Principal,
        model: str,
        request_id: str | None = None,
        on_end: OnEnd | None = None,
    ) -> None:
        self._sink = sink
        self._on_end = on_end  # given the event when the request ends (the admission's release)
        self.principal = principal
        self.model = model
        self.request_id = request_id or new_request_id()
        self.started = time.perf_counter()
        self.wall = time.time()
        self.deployment: Deployment | None = None
        self.event: UsageEvent | None = None
        self._done = False

    def finish(self, status: int, usage: Mapping[str, Any] | None = None) -> None:
        """Record the request once, whichever way it ended."""
        if self._done:
            return
        self._done = True
        prompt, completion, created, read = tokens(usage)
        d = self.deployment
        cost = cost_of(d, prompt, completion, created, read) if d else 0.0
        p = self.principal
        event = UsageEvent(
            request_id=self.request_id,
            time=self.wall,
            key_hash=p.key_hash,
            user_id=p.user_id,
            team_id=p.team_id,
            auth_method=p.method,
            model=self.model,
            deployment=d.id if d else None,
            status=status,
            prompt_tokens=prompt,
            completion_tokens=completion,
            cost=cost,
            latency_ms=(time.perf_counter() - self.started) * 1000.0,
            organization_id=p.organization_id,
            customer_id=next((s.id for s in p.scopes if s.level == "customer"), None) if p.scopes else None,
        )
        self.event = event
        self._sink.push(event)
        if self._on_end is not None:
            self._on_end(event)
