"""The `/key/*` request bodies as models: LiteLLM's names, strict types, unknown fields refused."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel

from ..errors import BadRequest
from ..validation import STRICT, given, parse
from .checks import (
    Amount,
    Cidrs,
    Count,
    CustomKey,
    Duration,
    Flag,
    GraceDuration,
    KeyId,
    Names,
    Obj,
    OptFlag,
    OptNames,
    OptObj,
    OptText,
)
from .shapes import (
    KeyType,
    LimitType,
    ModelBudgets,
    ModelCounts,
    OptObjectPermission,
    StrMap,
    Timestamp,
    VectorStoreIndexes,
    refused,
)

# LiteLLM's key_type → the allowed_routes it gives the key (handle_key_type); `default`: none.
KEY_TYPE_ROUTES = {
    "llm_api": ["llm_api_routes"],
    "management": ["management_routes"],
    "read_only": ["info_routes"],
}
# The per-key budget counter is seeded from `spend` on a key's first request and then runs in
# Redis: a new key may start with a spend, but overwriting it later would not reach the counter.
SpendLater = refused("`spend` can be set only by /key/generate; it then grows with metered usage.")
InitialSpend = Annotated[Amount, AfterValidator(lambda v: v or 0.0)]  # null: a new key starts at 0


class KeySettings(BaseModel):
    """The settings every key operation may set (API.md §5)."""

    model_config = STRICT

    models: Names = None
    metadata: Obj = None
    key_alias: OptText = None
    duration: Duration = None
    user_id: OptText = None
    team_id: OptText = None
    max_budget: Amount = None
    budget_duration: Duration = None
    rpm_limit: Count = None
    tpm_limit: Count = None
    max_parallel_requests: Count = None
    allowed_routes: Names = None
    allowed_ips: Cidrs = None  # enforced (authz/network.py); null or []: from anywhere
    blocked: Flag = False
    auto_rotate: Flag = False
    rotation_interval: Duration = None
    # Stored and echoed, not enforced (NOT_ENFORCED below; docs/keys.md).
    organization_id: OptText = None
    soft_budget: Amount = None
    model_max_budget: ModelBudgets = None
    model_rpm_limit: ModelCounts = None
    model_tpm_limit: ModelCounts = None
    aliases: StrMap = None
    permissions: Obj = None
    config: Obj = None
    allowed_cache_controls: Names = None
    budget_id: OptText = None
    project_id: OptText = None
    agent_id: OptText = None
    tags: OptNames = None
    guardrails: OptNames = None
    policies: OptNames = None
    prompts: OptNames = None
    enforced_params: OptNames = None
    allowed_passthrough_routes: OptNames = None
    access_group_ids: OptNames = None
    allowed_vector_store_indexes: VectorStoreIndexes = None
    rpm_limit_type: LimitType = None
    tpm_limit_type: LimitType = None
    router_settings: OptObj = None
    object_permission: OptObjectPermission = None
    send_invite_email: OptFlag = None


class KeyGenerateRequest(KeySettings):
    """POST /key/generate."""

    key: CustomKey = None
    spend: InitialSpend = None
    key_type: KeyType = None


class KeyUpdateRequest(KeySettings):
    """POST /key/update."""

    key: KeyId
    spend: SpendLater = None
    temp_budget_increase: Amount = None
    temp_budget_expiry: Timestamp = None


class KeyRegeneratePathRequest(KeySettings):
    """POST /key/{key}/regenerate: the key is in the path."""

    grace_period: GraceDuration = None
    new_key: CustomKey = None
    spend: SpendLater = None
    key_type: KeyType = None
    new_master_key: refused("the master key is set by LITELLM_MASTER_KEY or general_settings.master_key.") = (
        None
    )


class KeyRegenerateRequest(KeyRegeneratePathRequest):
    """POST /key/regenerate."""

    key: KeyId


class KeyRef(BaseModel):
    """POST /key/block, /key/unblock."""

    model_config = STRICT

    key: KeyId


class KeyDeleteRequest(BaseModel):
    """POST /key/delete: by keys, by aliases, or both."""

    model_config = STRICT

    keys: Names = None
    key_aliases: Names = None


KEY_BODIES: tuple[type[BaseModel], ...] = (KeyGenerateRequest, KeyUpdateRequest, KeyRegenerateRequest)
ANY_OPERATION = frozenset(name for model in KEY_BODIES for name in model.model_fields)

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
# Every LiteLLM-only setting a key keeps and shows; those not in ENFORCED are also reported as
# not enforced. ENFORCED since issue 16 (docs/limits.md): the organization (its models, limits,
# budget, block), soft_budget (crossings recorded), per-model limits and budgets, aliases.
ENFORCED = frozenset(
    {"organization_id", "soft_budget", "model_max_budget", "model_rpm_limit", "model_tpm_limit", "aliases"}
)
STORED = (
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
NOT_ENFORCED = tuple(name for name in STORED if name not in ENFORCED)
EXTRA = frozenset(STORED) - COLUMNS


def unenforced(values: Mapping[str, Any]) -> list[str]:
    """The given settings the gateway keeps without applying them (for the audit event)."""
    return sorted(name for name, value in values.items() if name in NOT_ENFORCED and value is not None)


def merged_extra(extra: Mapping[str, Any] | None, name: str, value: Any) -> dict[str, Any]:
    """A new `extra_settings` dict (so the ORM sees the change); null removes the setting."""
    out = {k: v for k, v in (extra or {}).items() if k != name}
    if value is not None:
        out[name] = value
    return out


def validate(body: Mapping[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    """The fields given, checked and normalised (a 400 naming the first bad one); refused
    fields, null when they pass, are dropped."""
    parsed = parse(model, body, elsewhere=ANY_OPERATION)
    out = {
        name: value
        for name, value in given(parsed).items()
        if model.model_fields[name].annotation is not type(None)
    }
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
