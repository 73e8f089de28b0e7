"""LiteLLM rows → the gateway's column values, one pure function per table. Each says which of
the row's fields the gateway keeps nowhere (`not_kept`, for the report) and where it could not
keep a value as it was (`conflicts`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...durations import DurationError, parse_duration
from ...models.organizations import ORGANIZATION_ROLES
from ...models.users import USER_ROLES
from .source import utc

INT32 = 2**31 - 1
TEAM_ROLES = ("admin", "user")
BUDGET_FIELDS = (
    "max_budget",
    "soft_budget",
    "max_parallel_requests",
    "tpm_limit",
    "rpm_limit",
    "model_max_budget",
    "budget_duration",
    "budget_reset_at",
    "allowed_models",
)


@dataclass
class Mapped:
    values: dict[str, Any]
    not_kept: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


def present(value: Any) -> bool:
    """A value worth reporting as not kept: set, and not LiteLLM's empty default."""
    return value not in (None, "", [], {}, False, 0, 0.0)


def _not_kept(row: dict[str, Any], names: tuple[str, ...], prefix: str = "") -> list[str]:
    return [prefix + n for n in names if present(row.get(n))]


def _obj(value: Any) -> dict[str, Any] | None:
    """LiteLLM's `{}` default is the gateway's null (not set)."""
    return dict(value) if isinstance(value, dict) and value else None


def _limit(out: Mapped, name: str, value: Any) -> int | None:
    """rpm/tpm are BigInt in LiteLLM, integers here: a limit above 2^31-1 limits nothing anyway."""
    if value is None:
        return None
    if value > INT32:
        out.conflicts.append(f"{name} {value} is above {INT32}: imported as no limit")
        return None
    return int(value)


# LiteLLM reads these words as durations (its _BUDGET_DURATION_WORD_ALIASES), and a bare number as
# seconds; the gateway's parser takes neither, so they are written in its form at the import.
DURATION_WORDS = {"hourly": "1h", "daily": "24h", "weekly": "7d", "monthly": "30d"}


def _duration(out: Mapped, value: Any) -> str | None:
    """A budget_duration the gateway can parse, or None with a conflict: one stored value the reset
    job could not read would otherwise never reset that budget."""
    if value is None:
        return None
    text = str(value).strip()
    text = DURATION_WORDS.get(text.lower(), text + "s" if text.isascii() and text.isdigit() else text)
    try:
        parse_duration(text)
    except DurationError:
        out.conflicts.append(
            f"budget_duration {value!r} is not a duration: imported without one (never reset)"
        )
        return None
    return text


def _budget(
    out: Mapped, budget: dict[str, Any] | None, own: dict[str, Any], kept: tuple[str, ...]
) -> dict[str, Any]:
    """The budget columns: the row's own where it has them, else those of its LiteLLM_BudgetTable."""
    b = budget or {}
    values: dict[str, Any] = {}
    for name in kept:
        value = own.get(name) if own.get(name) is not None else b.get(name)
        if name in ("tpm_limit", "rpm_limit"):
            value = _limit(out, name, value)
        elif name == "budget_reset_at":
            value = utc(value)
        elif name == "budget_duration":
            value = _duration(out, value)
        elif name == "model_max_budget":
            value = _obj(value)
        values[name] = value
    out.not_kept += [f"budget.{n}" for n in BUDGET_FIELDS if n not in kept and present(b.get(n))]
    return values


def organization(row: dict[str, Any], budget: dict[str, Any] | None) -> Mapped:
    out = Mapped({})
    out.values = {
        "organization_alias": row["organization_alias"],
        "models": list(row["models"] or []),
        "spend": row["spend"] or 0.0,
        "meta": dict(row["metadata"] or {}),
        **_budget(
            out, budget, {}, ("max_budget", "budget_duration", "budget_reset_at", "tpm_limit", "rpm_limit")
        ),
    }
    out.not_kept += _not_kept(row, ("model_spend", "object_permission_id"))
    return out


def role_of(out: Mapped, role: str | None, allowed: tuple[str, ...], default: str, fallback: str) -> str:
    if role is None:
        return default
    if role in allowed:
        return role
    out.conflicts.append(f"role {role!r} is not one of the gateway's: imported as {fallback!r}")
    return fallback


def user(row: dict[str, Any]) -> Mapped:
    out = Mapped({})
    out.values = {
        "user_email": row["user_email"],
        "user_alias": row["user_alias"],
        "user_role": role_of(out, row["user_role"], USER_ROLES, "internal_user", "internal_user_viewer"),
        "models": list(row["models"] or []),
        "max_budget": row["max_budget"],
        "spend": row["spend"] or 0.0,
        "budget_duration": _duration(out, row["budget_duration"]),
        "budget_reset_at": utc(row["budget_reset_at"]),
        "tpm_limit": _limit(out, "tpm_limit", row["tpm_limit"]),
        "rpm_limit": _limit(out, "rpm_limit", row["rpm_limit"]),
        "max_parallel_requests": row["max_parallel_requests"],
        "model_max_budget": _obj(row["model_max_budget"]),
        "meta": dict(row["metadata"] or {}),
    }
    # `teams` becomes team memberships; a password (LiteLLM's UI login) is never imported.
    out.not_kept += _not_kept(
        row,
        (
            "team_id",
            "sso_user_id",
            "organization_id",
            "object_permission_id",
            "password",
            "allowed_cache_controls",
            "policies",
            "model_spend",
        ),
    )
    return out


def team(row: dict[str, Any], aliases: dict[int, Any]) -> Mapped:
    out = Mapped({})
    model_aliases = _obj(aliases.get(row["model_id"])) if row["model_id"] is not None else None
    out.values = {
        "team_alias": row["team_alias"],
        "organization_id": row["organization_id"],
        "models": list(row["models"] or []),
        "model_aliases": model_aliases,
        "max_budget": row["max_budget"],
        "soft_budget": row["soft_budget"],
        "spend": row["spend"] or 0.0,
        "budget_duration": _duration(out, row["budget_duration"]),
        "budget_reset_at": utc(row["budget_reset_at"]),
        "tpm_limit": _limit(out, "tpm_limit", row["tpm_limit"]),
        "rpm_limit": _limit(out, "rpm_limit", row["rpm_limit"]),
        "max_parallel_requests": row["max_parallel_requests"],
        "model_max_budget": _obj(row["model_max_budget"]),
        "blocked": bool(row["blocked"]),
        "meta": dict(row["metadata"] or {}),
        "team_member_permissions": list(row["team_member_permissions"] or []) or None,
    }
    # admins/members/members_with_roles become team memberships.
    out.not_kept += _not_kept(
        row,
        (
            "object_permission_id",
            "model_spend",
            "router_settings",
            "access_group_ids",
            "policies",
            "default_team_member_models",
            "budget_limits",
            "allow_team_guardrail_config",
        ),
    )
    return out


def team_member(role: str | None, membership: dict[str, Any] | None, budget: dict[str, Any] | None) -> Mapped:
    out = Mapped({})
    m = membership or {}
    out.values = {
        "role": role_of(out, role, TEAM_ROLES, "user", "user"),
        "spend": m.get("spend") or 0.0,
        **_budget(out, budget, {}, ("budget_duration", "budget_reset_at", "tpm_limit", "rpm_limit")),
        "max_budget_in_team": (budget or {}).get("max_budget"),
        "allowed_models": list((budget or {}).get("allowed_models") or []),
    }
    out.not_kept = [n for n in out.not_kept if n not in ("budget.max_budget", "budget.allowed_models")]
    out.not_kept += _not_kept(m, ("total_spend",))
    return out


def org_member(row: dict[str, Any], budget: dict[str, Any] | None) -> Mapped:
    out = Mapped({})
    out.values = {
        "user_role": role_of(
            out, row["user_role"], ORGANIZATION_ROLES, "internal_user", "internal_user_viewer"
        ),
    }
    out.not_kept += _not_kept(row, ("spend", "budget_id"))
    return out


def customer(row: dict[str, Any], budget: dict[str, Any] | None) -> Mapped:
    out = Mapped({})
    out.values = {
        "alias": row["alias"],
        "blocked": bool(row["blocked"]),
        "spend": row["spend"] or 0.0,
        "default_model": row["default_model"],
        **_budget(
            out, budget, {}, ("max_budget", "budget_duration", "budget_reset_at", "tpm_limit", "rpm_limit")
        ),
    }
    out.not_kept += _not_kept(row, ("allowed_model_region", "object_permission_id"))
    return out


# Key settings the gateway stores in `extra_settings` (stored and echoed, not enforced: keys/fields.py).
KEY_EXTRA = (
    "config",
    "router_settings",
    "agent_id",
    "project_id",
    "allowed_cache_controls",
    "policies",
    "access_group_ids",
    "budget_id",
)
KEY_NOT_KEPT = (
    "soft_budget_cooldown",
    "model_spend",
    "object_permission_id",
    "updated_by",
    "last_active",
    "rotation_count",
    "last_rotation_at",
    "budget_limits",
)


def key(row: dict[str, Any], budget: dict[str, Any] | None) -> Mapped:
    out = Mapped({})
    limits = _budget(
        out,
        budget,
        row,
        (
            "max_budget",
            "soft_budget",
            "max_parallel_requests",
            "tpm_limit",
            "rpm_limit",
            "model_max_budget",
            "budget_duration",
            "budget_reset_at",
        ),
    )
    extra = {n: row[n] for n in KEY_EXTRA if present(row.get(n))}
    out.values = {
        "key_alias": row["key_alias"],
        "models": list(row["models"] or []),
        "meta": dict(row["metadata"] or {}),
        "allowed_routes": list(row["allowed_routes"] or []),
        "user_id": row["user_id"],
        "team_id": row["team_id"],
        "organization_id": row["organization_id"],
        "expires": utc(row["expires"]),
        "blocked": bool(row["blocked"]),
        "spend": row["spend"] or 0.0,
        **limits,
        "auto_rotate": bool(row["auto_rotate"]),
        "rotation_interval": row["rotation_interval"],
        "rotation_at": utc(row["key_rotation_at"]),
        "aliases": _obj(row["aliases"]),
        "permissions": _obj(row["permissions"]),
        "extra_settings": extra or None,
        "created_by": row["created_by"],
    }
    out.not_kept += _not_kept(row, KEY_NOT_KEPT)
    return out
