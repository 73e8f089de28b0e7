"""Validation of `/key/*` request fields: LiteLLM's names, strict types, unknown fields refused."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..durations import DurationError, parse_duration
from ..errors import BadRequest

Check = Callable[[str, Any], Any]


def _fail(name: str, why: str) -> BadRequest:
    return BadRequest(f"Invalid `{name}`: {why}.", param=name)


def _storable(v: Any) -> bool:
    """No NUL character in any string, keys of objects included: PostgreSQL refuses them in text
    and JSONB, and the database's error must not become a 500."""
    if isinstance(v, str):
        return "\x00" not in v
    if isinstance(v, dict):
        return all(_storable(k) and _storable(x) for k, x in v.items())
    if isinstance(v, list):
        return all(_storable(x) for x in v)
    return True


def opt_str(name: str, v: Any) -> str | None:
    if v is None:
        return None
    if not isinstance(v, str) or not v or len(v) > 255 or not _storable(v):
        raise _fail(name, "must be a non-empty string of at most 255 characters (no NUL) or null")
    return v


def str_list(name: str, v: Any) -> list[str]:
    if v is None:
        return []
    if not isinstance(v, list) or not all(isinstance(x, str) and x and _storable(x) for x in v):
        raise _fail(name, "must be a list of non-empty strings (no NUL)")
    return list(dict.fromkeys(v))


def obj(name: str, v: Any) -> dict[str, Any]:
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise _fail(name, "must be a JSON object")
    if not _storable(v):
        raise _fail(name, "must not contain NUL characters")
    return v


def flag(name: str, v: Any) -> bool:
    if not isinstance(v, bool):
        raise _fail(name, "must be true or false")
    return v


def opt_amount(name: str, v: Any) -> float | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float) or v < 0 or v != v or v == float("inf"):
        raise _fail(name, "must be a number >= 0 or null")
    return float(v)


def opt_count(name: str, v: Any) -> int | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int) or v < 0 or v > 2**31 - 1:
        raise _fail(name, "must be a whole number >= 0 or null")
    return v


def opt_duration(name: str, v: Any) -> str | None:
    if v is None:
        return None
    try:
        parse_duration(v, allow_zero=name == "grace_period")
    except DurationError as exc:
        raise _fail(name, str(exc)) from None
    return v


def custom_key(name: str, v: Any) -> str | None:
    if v is None:
        return None
    if not isinstance(v, str) or not v.startswith("sk-") or len(v) < 16 or len(v) > 256:
        raise _fail(name, "a custom key must start with `sk-` and have 16 to 256 characters")
    if not v.isascii() or not v.isprintable() or " " in v:
        raise _fail(name, "a custom key must be printable ASCII without spaces")
    return v


def identifier(name: str, v: Any) -> str:
    if not isinstance(v, str) or not v:
        raise _fail(name, "must be a key or its hash")
    return v


SETTINGS: dict[str, Check] = {
    "models": str_list,
    "metadata": obj,
    "key_alias": opt_str,
    "duration": opt_duration,
    "user_id": opt_str,
    "team_id": opt_str,
    "max_budget": opt_amount,
    "budget_duration": opt_duration,
    "rpm_limit": opt_count,
    "tpm_limit": opt_count,
    "max_parallel_requests": opt_count,
    "allowed_routes": str_list,
    "blocked": flag,
    "auto_rotate": flag,
    "rotation_interval": opt_duration,
}
GENERATE = {**SETTINGS, "key": custom_key}
UPDATE = {**SETTINGS, "key": identifier}
REGENERATE = {**SETTINGS, "key": identifier, "grace_period": opt_duration, "new_key": custom_key}

# LiteLLM key fields the gateway does not implement: accepted only when empty, never dropped.
UNSUPPORTED = frozenset(
    {
        "aliases",
        "allowed_cache_controls",
        "allowed_passthrough_routes",
        "budget_id",
        "config",
        "enforced_params",
        "guardrails",
        "key_type",
        "model_max_budget",
        "model_rpm_limit",
        "model_tpm_limit",
        "object_permission",
        "organization_id",
        "permissions",
        "prompts",
        "rpm_limit_type",
        "send_invite_email",
        "soft_budget",
        "spend",
        "tags",
        "temp_budget_expiry",
        "temp_budget_increase",
        "tpm_limit_type",
    }
)


def validate(body: Mapping[str, Any], spec: Mapping[str, Check]) -> dict[str, Any]:
    """Every field checked and normalised; the first unknown or unsupported one is a 400."""
    out: dict[str, Any] = {}
    for name, value in body.items():
        check = spec.get(name)
        if check is not None:
            out[name] = check(name, value)
        elif name in UNSUPPORTED:
            if value not in (None, {}, [], ""):
                raise BadRequest(f"Field `{name}` is not supported by this gateway.", param=name)
        else:
            raise BadRequest(f"Unknown field `{name}`.", param=name)
    return out
