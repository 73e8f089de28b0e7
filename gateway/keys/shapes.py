"""LiteLLM's structured key settings as types: per-model budgets and limits, aliases, permissions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    ValidationInfo,
    model_validator,
)

from ..validation import STRICT, reason, refusal
from .checks import MAX_INT, Count, Duration, Name, OptNames, Text, no_nul

MAX_AMOUNT = 1e12  # per-model amounts: LiteLLM's BudgetConfig is stored as given
ModelName = Annotated[str, StringConstraints(min_length=1), AfterValidator(no_nul)]
ModelAmount = Annotated[float, Field(ge=0, le=MAX_AMOUNT, allow_inf_nan=False)]
ModelCount = Annotated[int, Field(ge=0, le=MAX_INT)]


class BudgetConfig(BaseModel):
    """LiteLLM's BudgetConfig; `max_budget` and `budget_duration` are accepted as the same."""

    model_config = {
        **STRICT,
        "json_schema_extra": {"oneOf": [{"required": ["budget_limit"]}, {"required": ["max_budget"]}]},
    }

    budget_limit: ModelAmount = None  # not nullable: exactly one of the two is given
    max_budget: ModelAmount = None
    time_period: Duration = None
    budget_duration: Duration = None
    rpm_limit: Count = None
    tpm_limit: Count = None

    @model_validator(mode="after")
    def _one_amount(self) -> BudgetConfig:
        if ("budget_limit" in self.model_fields_set) == ("max_budget" in self.model_fields_set):
            raise reason("a budget needs one of `budget_limit` or `max_budget`")
        return self


# A number or an object: told apart by the input, so an error speaks of the one that was meant.
ModelBudget = Annotated[
    Annotated[ModelAmount, Tag("amount")] | Annotated[BudgetConfig, Tag("config")],
    Discriminator(lambda v: "config" if isinstance(v, dict) else "amount"),
]
ModelBudgets = Annotated[
    dict[ModelName, ModelBudget] | None,
    AfterValidator(lambda v: {} if v is None else v),
    Field(description="must be an object of model name -> budget (a number >= 0, or a BudgetConfig)"),
]
ModelCounts = Annotated[
    dict[ModelName, ModelCount] | None,
    Field(description="must be an object of model name -> whole number >= 0, or null"),
]
StrMap = Annotated[
    dict[Name, Name] | None,
    AfterValidator(lambda v: {} if v is None else v),
    Field(description="must be an object of non-empty strings (no NUL)"),
]
LimitType = Annotated[
    Literal["guaranteed_throughput", "best_effort_throughput", "dynamic"] | None,
    Field(description="must be one of `guaranteed_throughput`, `best_effort_throughput`, `dynamic` or null"),
]
KeyType = Annotated[
    Literal["llm_api", "management", "read_only", "default"] | None,
    Field(description="must be one of `llm_api`, `management`, `read_only`, `default` or null"),
]


class ObjectPermission(BaseModel):
    """LiteLLM's LiteLLM_ObjectPermissionBase: lists of names, and `mcp_tool_permissions`."""

    model_config = STRICT

    mcp_servers: OptNames = None
    mcp_access_groups: OptNames = None
    mcp_toolsets: OptNames = None
    blocked_tools: OptNames = None
    vector_stores: OptNames = None
    agents: OptNames = None
    agent_access_groups: OptNames = None
    models: OptNames = None
    search_tools: OptNames = None
    mcp_tool_permissions: dict[Name, list[Name]] | None = None


class VectorStoreIndex(BaseModel):
    model_config = STRICT

    index_name: Text
    index_permissions: list[Literal["read", "write"]]


VectorStoreIndexes = Annotated[
    list[VectorStoreIndex] | None,
    Field(description='must be a list of {"index_name": str, "index_permissions": ["read"|"write"]}'),
]
OptObjectPermission = Annotated[
    ObjectPermission | None,
    Field(description="must be LiteLLM's object_permission: lists of names and `mcp_tool_permissions`"),
]


def _iso(v: str | None) -> str | None:
    """An ISO 8601 date-time (LiteLLM's `temp_budget_expiry`), kept as given."""
    if v is not None:
        try:
            datetime.fromisoformat(v)
        except ValueError:
            raise reason("must be an ISO 8601 date-time such as 2026-12-31T00:00:00Z") from None
    return v


Timestamp = Annotated[
    Annotated[str, StringConstraints(max_length=64), Field(json_schema_extra={"format": "date-time"})] | None,
    AfterValidator(_iso),
    Field(description="must be an ISO 8601 date-time such as 2026-12-31T00:00:00Z"),
]


def refused(why: str) -> Any:
    """A LiteLLM field this gateway refuses unless null (then dropped), with the reason in the error."""

    def check(v: Any, info: ValidationInfo) -> None:
        if v is not None:
            raise refusal(f"Field `{info.field_name}` is not accepted here: {why}")

    return Annotated[None, BeforeValidator(check), Field(description=f"refused unless null: {why}")]
