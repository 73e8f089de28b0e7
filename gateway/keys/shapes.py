"""Checks of LiteLLM's structured key settings: per-model budgets and limits, aliases, permissions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..errors import BadRequest
from .checks import Check, fail, flag, obj, opt_duration, opt_str, storable, str_list


def opt_names(name: str, v: Any) -> list[str] | None:
    """LiteLLM's optional lists (`tags`, `guardrails`...): null stays null, as LiteLLM echoes it."""
    return None if v is None else str_list(name, v)


def opt_flag(name: str, v: Any) -> bool | None:
    return None if v is None else flag(name, v)


def choice(*options: str) -> Check:
    def check(name: str, v: Any) -> str | None:
        if v is not None and v not in options:
            raise fail(name, "must be one of " + ", ".join(f"`{o}`" for o in options) + " or null")
        return v

    return check


def _models_map(name: str, v: Any, what: str) -> dict[str, Any]:
    if not isinstance(v, dict) or not all(isinstance(m, str) and m and storable(m) for m in v):
        raise fail(name, f"must be an object of model name -> {what}")
    return v


def _number(name: str, model: str, v: Any, whole: bool) -> None:
    kinds = (int,) if whole else (int, float)
    if isinstance(v, bool) or not isinstance(v, kinds) or not 0 <= v <= (2**31 - 1 if whole else 1e12):
        raise fail(name, f"the value for `{model}` must be a {'whole ' if whole else ''}number >= 0")


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
            raise fail(name, f"unknown field `{sorted(unknown)[0]}` in the budget for `{model}`")
        amounts = [k for k in ("budget_limit", "max_budget") if k in budget]
        if len(amounts) != 1:
            raise fail(name, f"the budget for `{model}` needs one of `budget_limit` or `max_budget`")
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
        isinstance(x, str) and x and storable(x) for kv in v.items() for x in kv
    ):
        raise fail(name, "must be an object of non-empty strings (no NUL)")
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
            if value is None:
                continue
            if not isinstance(value, dict) or not all(isinstance(x, list) for x in value.values()):
                raise fail(name, "`mcp_tool_permissions` must map server names to lists of tool names")
            for tools in value.values():
                str_list(name, tools)
        elif field in OBJECT_PERMISSION_LISTS:
            if value is not None:
                str_list(name, value)
        else:
            raise fail(name, f"unknown field `{field}`")
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
        raise fail(name, 'must be a list of {"index_name": str, "index_permissions": ["read"|"write"]}')
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
        raise fail(name, "must be an ISO 8601 date-time such as 2026-12-31T00:00:00Z") from None
    return v


class Refused:
    """A LiteLLM field this gateway refuses unless null (then dropped), with the reason in the error."""

    def __init__(self, why: str) -> None:
        self.why = why

    def __call__(self, name: str, v: Any) -> None:
        if v is not None:
            raise BadRequest(f"Field `{name}` is not accepted here: {self.why}", param=name)
