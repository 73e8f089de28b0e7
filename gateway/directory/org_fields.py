"""The `/organization/*` request bodies as models: LiteLLM's names, strict types, unknown fields refused.

LiteLLM's shared budget rows (`budget_id`) and the settings its organizations keep but do not
apply are refused with a reason rather than stored and ignored (docs/api.md, organizations).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, model_validator

from ..keys.checks import Amount, Count, Duration, Names, Obj, OptText, Text
from ..keys.shapes import refused
from ..validation import STRICT, given, parse, reason

ORG_ROLES = ("org_admin", "internal_user", "internal_user_viewer")
OrgRole = Annotated[
    Literal["org_admin", "internal_user", "internal_user_viewer"],
    Field(description="must be one of `org_admin`, `internal_user`, `internal_user_viewer`"),
]
OptOrgRole = Annotated[
    Literal["org_admin", "internal_user", "internal_user_viewer"] | None,
    Field(description="must be one of `org_admin`, `internal_user`, `internal_user_viewer` or null"),
]
Ids = Annotated[
    list[Text],
    Field(min_length=1, description="must be a non-empty list of ids (non-empty strings, no NUL)"),
]
NoBudgetRows = refused("shared budgets (`budget_id`) do not exist here; set `max_budget` etc. directly.")
NotKept = refused(
    "organizations here keep `models`, `max_budget`, `budget_duration`, `tpm_limit`, "
    "`rpm_limit`, `metadata` and `blocked` only."
)
NoMemberBudget = refused("a member's budget inside an organization is not kept here (team members' are).")
SpendLater = refused("`spend` grows with metered usage; it is not set by hand.")
ByTheGateway = refused("the gateway records who acted from the caller's credential.")


class OrgSettings(BaseModel):
    """What /organization/new and /organization/update may set."""

    model_config = STRICT

    organization_alias: OptText = None
    models: Names = None
    max_budget: Amount = None
    budget_duration: Duration = None
    tpm_limit: Count = None
    rpm_limit: Count = None
    metadata: Obj = None
    blocked: Annotated[bool, Field(description="must be true or false")] = False
    # LiteLLM's, refused unless null:
    budget_id: NoBudgetRows = None
    soft_budget: NotKept = None
    max_parallel_requests: NotKept = None
    model_max_budget: NotKept = None
    object_permission: NotKept = None
    tags: NotKept = None
    model_aliases: NotKept = None


class NewOrganizationRequest(OrgSettings):
    """POST /organization/new (`organization_alias` required, as LiteLLM's)."""

    organization_id: OptText = None
    organization_alias: Text


class UpdateOrganizationRequest(OrgSettings):
    """PATCH (or POST) /organization/update."""

    organization_id: Text
    spend: SpendLater = None
    updated_by: ByTheGateway = None


class DeleteOrganizationRequest(BaseModel):
    """DELETE (or POST) /organization/delete."""

    model_config = STRICT

    organization_ids: Ids


class MemberRef(BaseModel):
    """LiteLLM's MemberBase: a user by `user_id` or `user_email`."""

    model_config = STRICT

    user_id: OptText = None
    user_email: OptText = None

    @model_validator(mode="after")
    def _someone(self) -> MemberRef:
        if self.user_id is None and self.user_email is None:
            raise reason("give `user_id` or `user_email`")
        return self


class OrgMember(MemberRef):
    role: OrgRole


def _as_list(v: Any) -> Any:
    """LiteLLM takes one member or a list; one is a list of one (errors then say `member.0...`)."""
    return [v] if isinstance(v, dict) else v


class OrganizationMemberAddRequest(BaseModel):
    """POST /organization/member_add: one member or a list."""

    model_config = STRICT

    organization_id: Text
    member: Annotated[
        list[OrgMember],
        BeforeValidator(_as_list, json_schema_input_type=OrgMember | list[OrgMember]),
        Field(min_length=1, description="must be a member {role, user_id | user_email} or a list of them"),
    ]
    max_budget_in_organization: NoMemberBudget = None


class OrganizationMemberUpdateRequest(MemberRef):
    """PATCH (or POST) /organization/member_update."""

    organization_id: Text
    role: OptOrgRole = None
    max_budget_in_organization: NoMemberBudget = None


class OrganizationMemberDeleteRequest(MemberRef):
    """DELETE (or POST) /organization/member_delete."""

    organization_id: Text


ORG_BODIES: tuple[type[BaseModel], ...] = (NewOrganizationRequest, UpdateOrganizationRequest)
ANY_ORG_OPERATION = frozenset(name for model in ORG_BODIES for name in model.model_fields)
REQUESTS: tuple[type[BaseModel], ...] = (
    NewOrganizationRequest,
    UpdateOrganizationRequest,
    DeleteOrganizationRequest,
    OrganizationMemberAddRequest,
    OrganizationMemberUpdateRequest,
    OrganizationMemberDeleteRequest,
)


def validate(body: Mapping[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    """The fields given, checked (a 400 naming the first bad one); refused fields, null when
    they pass, are dropped."""
    parsed = parse(model, body, elsewhere=ANY_ORG_OPERATION)
    return {
        name: value
        for name, value in given(parsed).items()
        if model.model_fields[name].annotation is not type(None)
    }
