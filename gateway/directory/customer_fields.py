"""The `/customer/*` (and `/end_user/*`) request bodies as models: LiteLLM's names, strict types.

A customer is LiteLLM's end user: the id a client names in the body's `user` field or the
`x-litellm-end-user-id` header; it is not a user of the gateway (no keys, no role).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, Field

from ..keys.checks import Amount, Count, Duration, Names, OptText, Text
from ..keys.shapes import refused
from ..validation import STRICT, given, parse
from .org_fields import Ids

NoBudgetRows = refused("shared budgets (`budget_id`) do not exist here; set `max_budget` etc. directly.")
NotKept = refused(
    "customers here keep `alias`, `blocked`, `models`, `default_model`, `max_budget`, "
    "`budget_duration`, `tpm_limit` and `rpm_limit` only."
)
SpendLater = refused("`spend` grows with metered usage; it is not set by hand.")


class CustomerSettings(BaseModel):
    """What /customer/new and /customer/update may set."""

    model_config = STRICT

    alias: OptText = None
    blocked: Annotated[bool, Field(description="must be true or false")] = False
    models: Names = None
    default_model: OptText = None
    max_budget: Amount = None
    budget_duration: Duration = None
    tpm_limit: Count = None
    rpm_limit: Count = None
    # LiteLLM's, refused unless null:
    budget_id: NoBudgetRows = None
    allowed_model_region: NotKept = None
    soft_budget: NotKept = None
    max_parallel_requests: NotKept = None
    model_max_budget: NotKept = None
    object_permission: NotKept = None
    metadata: NotKept = None


class NewCustomerRequest(CustomerSettings):
    """POST /customer/new."""

    user_id: Text
    spend: SpendLater = None


class UpdateCustomerRequest(CustomerSettings):
    """POST /customer/update."""

    user_id: Text


class DeleteCustomerRequest(BaseModel):
    """POST /customer/delete."""

    model_config = STRICT

    user_ids: Ids


class BlockCustomersRequest(BaseModel):
    """POST /customer/block, /customer/unblock (LiteLLM's BlockUsers)."""

    model_config = STRICT

    user_ids: Ids


class CustomerListFilters(BaseModel):
    """GET /customer/list's text filters."""

    model_config = STRICT

    user_id: OptText = None
    alias: OptText = None


CUSTOMER_BODIES: tuple[type[BaseModel], ...] = (NewCustomerRequest, UpdateCustomerRequest)
ANY_CUSTOMER_OPERATION = frozenset(name for model in CUSTOMER_BODIES for name in model.model_fields)
REQUESTS: tuple[type[BaseModel], ...] = (
    NewCustomerRequest,
    UpdateCustomerRequest,
    DeleteCustomerRequest,
    BlockCustomersRequest,
)


def validate(body: Mapping[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    """The fields given, checked (a 400 naming the first bad one); refused fields dropped."""
    parsed = parse(model, body, elsewhere=ANY_CUSTOMER_OPERATION)
    return {
        name: value
        for name, value in given(parsed).items()
        if model.model_fields[name].annotation is not type(None)
    }
