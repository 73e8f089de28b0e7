"""A key as `/key/*` shows it (LiteLLM's field names): never the plaintext, status computed."""

from __future__ import annotations

from typing import Any

from ..clock import as_utc, iso, utcnow
from ..models import VerificationToken


def status(row: VerificationToken) -> str:
    if row.blocked:
        return "blocked"
    expires = as_utc(row.expires)
    if expires is not None and expires <= utcnow():
        return "expired"
    return "active"


def key_view(row: VerificationToken) -> dict[str, Any]:
    return {
        "token": row.token,
        "key_name": row.key_name,
        "key_alias": row.key_alias,
        "models": list(row.models or []),
        "metadata": dict(row.meta or {}),
        "allowed_routes": list(row.allowed_routes or []),
        "user_id": row.user_id,
        "team_id": row.team_id,
        "expires": iso(row.expires),
        "blocked": row.blocked,
        "max_budget": row.max_budget,
        "spend": row.spend,
        "budget_duration": row.budget_duration,
        "budget_reset_at": iso(row.budget_reset_at),
        "rpm_limit": row.rpm_limit,
        "tpm_limit": row.tpm_limit,
        "max_parallel_requests": row.max_parallel_requests,
        "auto_rotate": row.auto_rotate,
        "rotation_interval": row.rotation_interval,
        "rotation_at": iso(row.rotation_at),
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
        "created_by": row.created_by,
        "status": status(row),
    }
