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
        # Chat, completions and embeddings say prompt/completion; /responses, images and audio
        # say input/output.
        prompt = _count(usage, "prompt_tokens") or _count(usage, "input_tokens")
        completion = _count(usage, "completion_tokens") or _count(usage, "output_tokens")
        d = self.deployment
        cost = prompt * d.input_cost_per_token + completion * d.output_cost_per_token if d else 0.0
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
