"""Validation of `/key/*` request fields: LiteLLM's names, strict types, unknown fields refused."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
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


def opt_names(name: str, v: Any) -> list[str] | None:
    """LiteLLM's optional lists (`tags`, `guardrails`...): null stays null, as LiteLLM echoes it."""
    return None if v is None else str_list(name, v)


def opt_flag(name: str, v: Any) -> bool | None:
    return None if v is None else flag(name, v)


def choice(*options: str) -> Check:
    def check(name: str, v: Any) -> str | None:
        if v is not None and v not in options:
            raise _fail(name, "must be one of " + ", ".join(f"`{o}`" for o in options) + " or null")
        return v

    return check


def _models_map(name: str, v: Any, what: str) -> dict[str, Any]:
    if not isinstance(v, dict) or not all(isinstance(m, str) and m and _storable(m) for m in v):
        raise _fail(name, f"must be an object of model name -> {what}")
    return v


def _number(name: str, model: str, v: Any, whole: bool) -> None:
    kinds = (int,) if whole else (int, float)
    if isinstance(v, bool) or not isinstance(v, kinds) or not 0 <= v <= (2**31 - 1 if whole else 1e12):
        raise _fail(name, f"the value for `{model}` must be a {'whole ' if whole else ''}number >= 0")


def model_counts(name: str, v: Any) -> dict[str, int] | None:
    """`model_rpm_limit`, `model_tpm_limit`: {"gpt-4o": 100}."""
    if v is None:
        return None
    for model, n in _models_map(name, v, "whole number >= 0").items():
        _number(name, model, n, whole=True)
    return v


BUDGET_CONFIG = {"max_budget", "budget_limit", "budget_duration", "time_period", "rpm_limit", "tpm_limit"}


def model_budgets(name: str, v: Any) -> dict[str, Any]:
    """`model_max_budget`: {"gpt-4o": 5.0} or LiteLLM's BudgetConfig,
    {"gpt-4o": {"budget_limit": 5.0, "time_period": "1d"}} (`max_budget`/`budget_duration` too)."""
    if v is None:
        return {}
    for model, budget in _models_map(name, v, "budget").items():
        if not isinstance(budget, dict):
            _number(name, model, budget, whole=False)
            continue
        unknown = set(budget) - BUDGET_CONFIG
        if unknown:
            raise _fail(name, f"unknown field `{sorted(unknown)[0]}` in the budget for `{model}`")
        amounts = [k for k in ("budget_limit", "max_budget") if k in budget]
        if len(amounts) != 1:
            raise _fail(name, f"the budget for `{model}` needs one of `budget_limit` or `max_budget`")
        _number(name, model, budget[amounts[0]], whole=False)
        for k in ("rpm_limit", "tpm_limit"):
            if budget.get(k) is not None:
                _number(name, model, budget[k], whole=True)
        for k in ("time_period", "budget_duration"):
            if budget.get(k) is not None:
                opt_duration(name, budget[k])
    return v


def str_map(name: str, v: Any) -> dict[str, str]:
    """`aliases`: {"alias": "model name"}."""
    if v is None:
        return {}
    if not isinstance(v, dict) or not all(
        isinstance(x, str) and x and _storable(x) for kv in v.items() for x in kv
    ):
        raise _fail(name, "must be an object of non-empty strings (no NUL)")
    return v


def opt_obj(name: str, v: Any) -> dict[str, Any] | None:
    return None if v is None else obj(name, v)


OBJECT_PERMISSION_LISTS = {
    "mcp_servers",
    "mcp_access_groups",
    "mcp_toolsets",
    "blocked_tools",
    "vector_stores",
    "agents",
    "agent_access_groups",
    "models",
    "search_tools",
}


def object_permission(name: str, v: Any) -> dict[str, Any] | None:
    """LiteLLM's LiteLLM_ObjectPermissionBase: lists of names, and `mcp_tool_permissions`."""
    if v is None:
        return None
    for field, value in obj(name, v).items():
        if field == "mcp_tool_permissions":
            if value is not None and not (
                isinstance(value, dict) and all(str_list(name, x) == x for x in value.values())
            ):
                raise _fail(name, "`mcp_tool_permissions` must map server names to lists of tool names")
        elif field in OBJECT_PERMISSION_LISTS:
            if value is not None:
                str_list(name, value)
        else:
            raise _fail(name, f"unknown field `{field}`")
    return v


def vector_store_indexes(name: str, v: Any) -> list[dict[str, Any]] | None:
    """`allowed_vector_store_indexes`: [{"index_name": str, "index_permissions": ["read", "write"]}]."""
    if v is None:
        return None
    ok = isinstance(v, list) and all(
        isinstance(x, dict)
        and set(x) == {"index_name", "index_permissions"}
        and opt_str(name, x["index_name"]) is not None
        and isinstance(x["index_permissions"], list)
        and all(p in ("read", "write") for p in x["index_permissions"])
        for x in v
    )
    if not ok:
        raise _fail(name, 'must be a list of {"index_name": str, "index_permissions": ["read"|"write"]}')
    return v


def opt_timestamp(name: str, v: Any) -> str | None:
    """An ISO 8601 date-time (LiteLLM's `temp_budget_expiry`), kept as given."""
    if v is None:
        return None
    try:
        if not isinstance(v, str) or len(v) > 64:
            raise ValueError
        datetime.fromisoformat(v)
    except ValueError:
        raise _fail(name, "must be an ISO 8601 date-time such as 2026-12-31T00:00:00Z") from None
    return v


class Refused:
    """A LiteLLM field this gateway refuses unless null (then dropped), with the reason in the error."""

    def __init__(self, why: str) -> None:
        self.why = why

    def __call__(self, name: str, v: Any) -> None:
        if v is not None:
            raise BadRequest(f"Field `{name}` is not accepted here: {self.why}", param=name)


LIMIT_TYPE = choice("guaranteed_throughput", "best_effort_throughput", "dynamic")
KEY_TYPE = choice("llm_api", "management", "read_only", "default")
# LiteLLM's key_type → the allowed_routes it gives the key (handle_key_type); `default`: none.
KEY_TYPE_ROUTES = {
    "llm_api": ["llm_api_routes"],
    "management": ["management_routes"],
    "read_only": ["info_routes"],
}

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
    # Stored and echoed, not enforced (NOT_ENFORCED below; docs/keys.md).
    "organization_id": opt_str,
    "soft_budget": opt_amount,
    "model_max_budget": model_budgets,
    "model_rpm_limit": model_counts,
    "model_tpm_limit": model_counts,
    "aliases": str_map,
    "permissions": obj,
    "config": obj,
    "allowed_cache_controls": str_list,
    "budget_id": opt_str,
    "project_id": opt_str,
    "agent_id": opt_str,
    "tags": opt_names,
    "guardrails": opt_names,
    "policies": opt_names,
    "prompts": opt_names,
    "enforced_params": opt_names,
    "allowed_passthrough_routes": opt_names,
    "access_group_ids": opt_names,
    "allowed_vector_store_indexes": vector_store_indexes,
    "rpm_limit_type": LIMIT_TYPE,
    "tpm_limit_type": LIMIT_TYPE,
    "router_settings": opt_obj,
    "object_permission": object_permission,
    "send_invite_email": opt_flag,
}
# The per-key budget counter is seeded from `spend` on a key's first request and then runs in
# Redis: a new key may start with a spend, but overwriting it later would not reach the counter.
SPEND_LATER = Refused("`spend` can be set only by /key/generate; it then grows with metered usage.")


def initial_spend(name: str, v: Any) -> float:
    return opt_amount(name, v) or 0.0


GENERATE = {**SETTINGS, "key": custom_key, "spend": initial_spend, "key_type": KEY_TYPE}
UPDATE = {
    **SETTINGS,
    "key": identifier,
    "spend": SPEND_LATER,
    "temp_budget_increase": opt_amount,
    "temp_budget_expiry": opt_timestamp,
}
REGENERATE = {
    **SETTINGS,
    "key": identifier,
    "grace_period": opt_duration,
    "new_key": custom_key,
    "spend": SPEND_LATER,
    "key_type": KEY_TYPE,
    "new_master_key": Refused("the master key is set by LITELLM_MASTER_KEY or general_settings.master_key."),
}

# Dedicated columns (per-model limits and organizations come with later issues, AUTHZ.md);
# the other LiteLLM-only settings share one JSON column, `extra_settings`.
COLUMNS = frozenset(
    {
        "organization_id",
        "soft_budget",
        "model_max_budget",
        "model_rpm_limit",
        "model_tpm_limit",
        "aliases",
        "permissions",
    }
)
NOT_ENFORCED = (
    "organization_id",
    "soft_budget",
    "model_max_budget",
    "model_rpm_limit",
    "model_tpm_limit",
    "aliases",
    "permissions",
    "config",
    "allowed_cache_controls",
    "budget_id",
    "project_id",
    "agent_id",
    "tags",
    "guardrails",
    "policies",
    "prompts",
    "enforced_params",
    "allowed_passthrough_routes",
    "access_group_ids",
    "allowed_vector_store_indexes",
    "rpm_limit_type",
    "tpm_limit_type",
    "router_settings",
    "object_permission",
    "send_invite_email",
    "temp_budget_increase",
    "temp_budget_expiry",
)
EXTRA = frozenset(NOT_ENFORCED) - COLUMNS


def unenforced(values: Mapping[str, Any]) -> list[str]:
    """The given settings the gateway keeps without applying them (for the audit event)."""
    return sorted(name for name, value in values.items() if name in NOT_ENFORCED and value is not None)


def merged_extra(extra: Mapping[str, Any] | None, name: str, value: Any) -> dict[str, Any]:
    """A new `extra_settings` dict (so the ORM sees the change); null removes the setting."""
    out = {k: v for k, v in (extra or {}).items() if k != name}
    if value is not None:
        out[name] = value
    return out


def validate(body: Mapping[str, Any], spec: Mapping[str, Check]) -> dict[str, Any]:
    """Every field checked and normalised; the first unknown one is a 400 naming it."""
    out: dict[str, Any] = {}
    for name, value in body.items():
        check = spec.get(name)
        if check is None:
            raise BadRequest(f"Unknown field `{name}`.", param=name)
        value = check(name, value)
        if not isinstance(check, Refused):
            out[name] = value
    key_type = out.pop("key_type", None)
    if key_type in KEY_TYPE_ROUTES:  # LiteLLM's handle_key_type: a preset of allowed_routes
        if out.get("allowed_routes"):
            raise BadRequest("Give `key_type` or `allowed_routes`, not both.", param="key_type")
        out["allowed_routes"] = KEY_TYPE_ROUTES[key_type]
    # LiteLLM's rule (UpdateKeyRequest.validate_temp_budget): both or neither.
    if (out.get("temp_budget_increase") is None) != (out.get("temp_budget_expiry") is None):
        raise BadRequest(
            "`temp_budget_increase` and `temp_budget_expiry` must be set together.",
            param="temp_budget_increase",
        )
    return out
