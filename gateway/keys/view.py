"""A key as `/key/*` shows it (LiteLLM's field names): never the plaintext, status computed."""

from __future__ import annotations

from typing import Any

from ..clock import as_utc, iso, utcnow
from ..models import VerificationToken
from .fields import COLUMNS, NOT_ENFORCED, STORED

# LiteLLM's defaults (GenerateRequestBase, KeyRequestBase) for a setting never given; else null.
LITELLM_DEFAULTS: dict[str, Any] = {
    "model_max_budget": {},
    "aliases": {},
    "permissions": {},
    "config": {},
    "allowed_cache_controls": [],
}


def status(row: VerificationToken) -> str:
    if row.blocked:
        return "blocked"
    expires = as_utc(row.expires)
    if expires is not None and expires <= utcnow():
        return "expired"
    return "active"


def is_set(value: Any) -> bool:
    return value is not None and value is not False and value != {} and value != []


def stored_settings(row: VerificationToken) -> dict[str, Any]:
    """The LiteLLM-only settings kept (fields.STORED), each with LiteLLM's default when unset."""
    extra = row.extra_settings or {}
    out: dict[str, Any] = {}
    for name in STORED:
        value = getattr(row, name) if name in COLUMNS else extra.get(name)
        default = LITELLM_DEFAULTS.get(name)
        out[name] = value if value is not None else type(default)() if default is not None else None
    return out


def key_view(row: VerificationToken) -> dict[str, Any]:
    settings = stored_settings(row)
    return {
        "token": row.token,
        "key_name": row.key_name,
        "key_alias": row.key_alias,
        "models": list(row.models or []),
        "metadata": dict(row.meta or {}),
        "allowed_routes": list(row.allowed_routes or []),
        "allowed_ips": list(row.allowed_ips or []),
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
        **settings,
        "token_id": row.token,  # LiteLLM's name for the hash in its responses
        "litellm_budget_table": None,  # LiteLLM's shared budgets (budget_id) do not exist here
        # Honest about what the gateway does: these settings are kept and shown, not applied.
        "not_enforced": [name for name, value in settings.items() if is_set(value) and name in NOT_ENFORCED],
        "status": status(row),
    }


def secret_view(row: VerificationToken, plaintext: str, values: dict[str, Any], actor: str) -> dict[str, Any]:
    """The answer to generate: every field of LiteLLM's GenerateKeyResponse, the plaintext once."""
    return {**key_view(row), "key": plaintext, "duration": values.get("duration"), "updated_by": actor}
