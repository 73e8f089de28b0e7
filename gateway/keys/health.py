"""`/key/health` (LiteLLM's): the calling key's logging callbacks, which this gateway does not run."""

from __future__ import annotations

from typing import Any

from ..extensions import db
from ..models import VerificationToken
from ..values import Principal


def key_health(principal: Principal) -> dict[str, Any]:
    """LiteLLM's KeyHealthResponse. LiteLLM tests the callbacks listed in the key's
    `metadata.logging`; the gateway has no per-key logging callbacks, so a key that lists
    some is reported unhealthy, naming them, rather than healthy while nothing is logged."""
    row = db.session.get(VerificationToken, principal.key_hash) if principal.key_hash else None
    logging = (row.meta or {}).get("logging") if row is not None else None
    if not logging:
        return {"key": "healthy", "logging_callbacks": None}
    entries = logging if isinstance(logging, list) else [logging]
    names = [str(e.get("callback_name")) if isinstance(e, dict) else str(e) for e in entries]
    return {
        "key": "unhealthy",
        "logging_callbacks": {
            "callbacks": names,
            "status": "unhealthy",
            "details": "Key-based logging callbacks (metadata.logging) are not supported by this "
            "gateway: nothing is sent to them. Usage is recorded in usage_logs instead.",
        },
    }
