"""How a UsageEvent (gateway/values.py) travels through the usage queue."""

from __future__ import annotations

import orjson

from ..values import UsageEvent

FORMAT = 1


def encode(e: UsageEvent) -> bytes:
    return orjson.dumps(
        [
            FORMAT, e.request_id, e.time, e.key_hash, e.user_id, e.team_id, e.auth_method, e.model,
            e.deployment, e.status, e.prompt_tokens, e.completion_tokens, e.cost, e.latency_ms,
        ]
    )  # fmt: skip


def decode(data: bytes) -> UsageEvent | None:
    """None for anything that is not an event of this format (skipped, counted by the flush)."""
    try:
        v = orjson.loads(data)
        if not isinstance(v, list) or len(v) != 14 or v[0] != FORMAT:
            return None
        return UsageEvent(*v[1:])
    except (orjson.JSONDecodeError, TypeError):
        return None
