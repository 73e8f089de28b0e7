"""How a UsageEvent (gateway/values.py) travels through the usage queue."""

from __future__ import annotations

import orjson

from ..values import UsageEvent

FORMAT = 2  # 2 added organization_id and customer_id; format 1 events (queued before) still read


def encode(e: UsageEvent) -> bytes:
    return orjson.dumps(
        [
            FORMAT, e.request_id, e.time, e.key_hash, e.user_id, e.team_id, e.auth_method, e.model,
            e.deployment, e.status, e.prompt_tokens, e.completion_tokens, e.cost, e.latency_ms,
            e.organization_id, e.customer_id,
        ]
    )  # fmt: skip


def decode(data: bytes) -> UsageEvent | None:
    """None for anything that is not an event of this format (skipped, counted by the flush)."""
    try:
        v = orjson.loads(data)
        if not isinstance(v, list) or (v[0], len(v)) not in ((1, 14), (FORMAT, 16)):
            return None
        return UsageEvent(*v[1:])
    except (orjson.JSONDecodeError, TypeError):
        return None
