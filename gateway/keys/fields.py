"""Validation of `/key/*` request fields: LiteLLM's names, strict types, unknown fields refused."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import BadRequest
from .checks import (
    Check,
    custom_key,
    flag,
    identifier,
    obj,
    opt_amount,
    opt_count,
    opt_duration,
    opt_str,
    str_list,
)
from .shapes import (
    Refused,
    choice,
    model_budgets,
    model_counts,
    object_permission,
    opt_flag,
    opt_names,
    opt_obj,
    opt_timestamp,
    str_map,
    vector_store_indexes,
)

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
            if name in (*GENERATE, *UPDATE, *REGENERATE):  # e.g. key_type, a generate-only field
                raise BadRequest(f"Field `{name}` is not accepted by this operation.", param=name)
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
