"""`from litellm.proxy._types import UserAPIKeyAuth, ProxyException, LitellmUserRoles` for a LiteLLM
custom-auth module, served by the gateway: `from gateway.compat.litellm import ...`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from ..auth.custom_errors import CustomAuthError

__all__ = ["LitellmUserRoles", "ProxyException", "UserAPIKeyAuth"]


class LitellmUserRoles(StrEnum):
    """LiteLLM's roles. The gateway has three (proxy_admin, internal_user, team): a principal with
    any other role is refused as invalid rather than guessed at."""

    PROXY_ADMIN = "proxy_admin"
    PROXY_ADMIN_VIEW_ONLY = "proxy_admin_viewer"
    ORG_ADMIN = "org_admin"
    INTERNAL_USER = "internal_user"
    INTERNAL_USER_VIEW_ONLY = "internal_user_viewer"
    TEAM = "team"
    CUSTOMER = "customer"


class ProxyException(CustomAuthError):
    """LiteLLM's ProxyException, as a documented denial: `message` and `code` reach the client (the
    envelope's type follows the status, API.md §9; LiteLLM's `type` is kept as `litellm_type`)."""

    def __init__(
        self,
        message: str,
        type: str = "auth_error",  # LiteLLM's parameter name
        param: str | None = None,
        code: int | str | None = 401,
        headers: dict[str, str] | None = None,
        openai_code: str | None = None,
    ) -> None:
        status = int(code) if isinstance(code, int | str) and str(code).isdigit() else 401
        super().__init__(message, status, param=param, headers=headers)
        self.code = code
        self.litellm_type = type
        self.openai_code = openai_code


@dataclass(kw_only=True)
class UserAPIKeyAuth:
    """LiteLLM's UserAPIKeyAuth: every field of its key row, team and user view. The gateway's
    principal takes user_id, team_id, user_role, models, allowed_routes, metadata, max_budget,
    spend, rpm_limit, tpm_limit, max_parallel_requests, and refuses a blocked or expired key; the
    rest is accepted and not used. An unknown field is a TypeError naming it (LiteLLM drops it
    silently), so a typo such as `model=` cannot quietly mean "every model"."""

    # The caller's key: never copied into the principal, never shown in a repr.
    api_key: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    key_name: str | None = None
    key_alias: str | None = None
    spend: float = 0.0
    max_budget: float | None = None
    expires: str | datetime | None = None
    models: list[str] = field(default_factory=list)
    aliases: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    user_id: str | None = None
    team_id: str | None = None
    max_parallel_requests: int | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    tpm_limit: int | None = None
    rpm_limit: int | None = None
    budget_duration: str | None = None
    budget_reset_at: datetime | None = None
    allowed_cache_controls: list[Any] | None = field(default_factory=list)
    allowed_routes: list[str] | None = field(default_factory=list)
    permissions: dict[str, Any] = field(default_factory=dict)
    model_spend: dict[str, Any] = field(default_factory=dict)
    model_max_budget: dict[str, Any] = field(default_factory=dict)
    soft_budget_cooldown: bool = False
    blocked: bool | None = None
    litellm_budget_table: dict[str, Any] | None = None
    org_id: str | None = None
    created_at: datetime | None = None
    created_by: str | None = None
    updated_at: datetime | None = None
    updated_by: str | None = None
    object_permission_id: str | None = None
    object_permission: Any = None
    # LiteLLM_VerificationTokenView: the key's team and end user.
    team_spend: float | None = None
    team_alias: str | None = None
    team_tpm_limit: int | None = None
    team_rpm_limit: int | None = None
    team_max_budget: float | None = None
    team_models: list[str] = field(default_factory=list)
    team_blocked: bool = False
    soft_budget: float | None = None
    team_model_aliases: dict[str, Any] | None = None
    team_member_spend: float | None = None
    team_member: Any = None
    team_metadata: dict[str, Any] | None = None
    end_user_id: str | None = None
    end_user_tpm_limit: int | None = None
    end_user_rpm_limit: int | None = None
    end_user_max_budget: float | None = None
    last_refreshed_at: float | None = None
    # UserAPIKeyAuth's own.
    user_role: LitellmUserRoles | str | None = None
    allowed_model_region: str | None = None
    parent_otel_span: Any = None
    rpm_limit_per_model: dict[str, int] | None = None
    tpm_limit_per_model: dict[str, int] | None = None
    user_tpm_limit: int | None = None
    user_rpm_limit: int | None = None
    user_email: str | None = None
    request_route: str | None = None
