"""UsageEvent: one proxied request, as it is queued and stored (DESIGN.md usage_logs)."""

from __future__ import annotations

from dataclasses import dataclass

import orjson


@dataclass(frozen=True, slots=True)
class UsageEvent:
    request_id: str
    time: float  # epoch seconds, when the request started
    key_hash: str | None
    user_id: str | None
    team_id: str | None
    auth_method: str
    model: str
    deployment: str | None
    status: int
    prompt_tokens: int
    completion_tokens: int
    cost: float
    latency_ms: float

    def encode(self) -> bytes:
        return orjson.dumps(
            [
                1, self.request_id, self.time, self.key_hash, self.user_id, self.team_id,
                self.auth_method, self.model, self.deployment, self.status, self.prompt_tokens,
                self.completion_tokens, self.cost, self.latency_ms,
            ]
        )  # fmt: skip

    @classmethod
    def decode(cls, data: bytes) -> UsageEvent | None:
        """None for anything that is not an event of this format (skipped, counted by the flush)."""
        try:
            v = orjson.loads(data)
            if not isinstance(v, list) or len(v) != 14 or v[0] != 1:
                return None
            return cls(*v[1:])
        except (orjson.JSONDecodeError, TypeError):
            return None
