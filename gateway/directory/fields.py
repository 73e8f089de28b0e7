"""The `/user/*` and `/team/*` request bodies: LiteLLM's field names, strict types, unknown fields refused."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field

from ..errors import BadRequest
from ..keys.checks import Amount, Count, Duration, Names, Obj, OptFlag, OptText, no_nul
from ..keys.shapes import ModelBudgets, StrMap
from ..validation import STRICT, given, parse

UserRole = Annotated[
    Literal["proxy_admin", "proxy_admin_viewer", "internal_user", "internal_user_viewer", "org_admin"] | None,
    Field(
        description="must be one of proxy_admin, proxy_admin_viewer, internal_user, "
        "internal_user_viewer, org_admin"
    ),
]
TeamRole = Annotated[Literal["admin", "user"], Field(description="must be admin or user")]
# an id: 1-255 characters, no NUL (PostgreSQL refuses one in text: a 500 before this)
Id = Annotated[str, Field(min_length=1, max_length=255), AfterValidator(no_nul)]
IdList = Annotated[list[Id], Field(min_length=1)]


class UserSettings(BaseModel):
    """What /user/new and /user/update may set (LiteLLM's NewUserRequest / UpdateUserRequest)."""

    model_config = STRICT

    user_email: OptText = None
    user_alias: OptText = None
    user_role: UserRole = None
    models: Names = None
    max_budget: Amount = None
    budget_duration: Duration = None
    tpm_limit: Count = None
    rpm_limit: Count = None
    max_parallel_requests: Count = None
    model_max_budget: ModelBudgets = None
    metadata: Obj = None
    blocked: OptFlag = None


class UserNewRequest(UserSettings):
    """POST /user/new."""

    user_id: OptText = None
    teams: Names = None
    auto_create_key: OptFlag = None  # LiteLLM's default: true
    send_invite_email: OptFlag = None
    key_alias: OptText = None
    duration: Duration = None


class UserUpdateRequest(UserSettings):
    """POST /user/update: by `user_id` or `user_email`."""

    user_id: OptText = None
    spend: Amount = None


class UserDeleteRequest(BaseModel):
    """POST /user/delete."""

    model_config = STRICT

    user_ids: IdList


class TeamMember(BaseModel):
    """One entry of `members_with_roles` / `member`: a user by id or email, and its team role."""

    model_config = STRICT

    role: TeamRole = "user"
    user_id: OptText = None
    user_email: OptText = None


class TeamSettings(BaseModel):
    """What /team/new and /team/update may set (LiteLLM's NewTeamRequest / UpdateTeamRequest)."""

    model_config = STRICT

    team_alias: OptText = None
    organization_id: OptText = None
    models: Names = None
    model_aliases: StrMap = None
    max_budget: Amount = None
    soft_budget: Amount = None
    budget_duration: Duration = None
    tpm_limit: Count = None
    rpm_limit: Count = None
    max_parallel_requests: Count = None
    model_max_budget: ModelBudgets = None
    blocked: OptFlag = None
    metadata: Obj = None
    team_member_permissions: Names = None
    team_member_budget: Amount = None
    team_member_rpm_limit: Count = None
    team_member_tpm_limit: Count = None


class TeamNewRequest(TeamSettings):
    """POST /team/new."""

    team_id: OptText = None
    members_with_roles: list[TeamMember] | None = None


class TeamUpdateRequest(TeamSettings):
    """POST /team/update."""

    team_id: Id


class TeamDeleteRequest(BaseModel):
    """POST /team/delete."""

    model_config = STRICT

    team_ids: IdList


class TeamRef(BaseModel):
    """POST /team/block, /team/unblock."""

    model_config = STRICT

    team_id: Id


class TeamMemberAddRequest(BaseModel):
    """POST /team/member_add: one member or a list."""

    model_config = STRICT

    team_id: Id
    member: TeamMember | list[TeamMember]
    max_budget_in_team: Amount = None


class TeamMemberDeleteRequest(BaseModel):
    """POST /team/member_delete."""

    model_config = STRICT

    team_id: Id
    user_id: OptText = None
    user_email: OptText = None


class TeamMemberUpdateRequest(TeamMemberDeleteRequest):
    """POST /team/member_update: the member's role and its own budget, limits and models."""

    role: TeamRole | None = None
    max_budget_in_team: Amount = None
    budget_duration: Duration = None
    tpm_limit: Count = None
    rpm_limit: Count = None
    allowed_models: Names = None


class TeamModelRequest(BaseModel):
    """POST /team/model/add, /team/model/delete."""

    model_config = STRICT

    team_id: Id
    models: Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)]


class TeamPermissionsUpdateRequest(BaseModel):
    """POST /team/permissions_update."""

    model_config = STRICT

    team_id: Id
    team_member_permissions: list[Annotated[str, Field(min_length=1)]]


class ListFilters(BaseModel):
    """GET /user/list and /team/list text filters."""

    model_config = STRICT

    user_id: OptText = None
    user_email: OptText = None
    role: OptText = None
    team_id: OptText = None
    team_alias: OptText = None
    organization_id: OptText = None


DIRECTORY_REQUESTS: tuple[type[BaseModel], ...] = (
    UserNewRequest,
    UserUpdateRequest,
    UserDeleteRequest,
    TeamNewRequest,
    TeamUpdateRequest,
    TeamDeleteRequest,
    TeamRef,
    TeamMemberAddRequest,
    TeamMemberDeleteRequest,
    TeamMemberUpdateRequest,
    TeamModelRequest,
    TeamPermissionsUpdateRequest,
)


def validate(body: Any, model: type[BaseModel]) -> dict[str, Any]:
    """The given fields, checked (a 400 naming the first bad one)."""
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object.")
    return given(parse(model, body))
