"""`general_settings` as a model: the settings the gateway implements, their types and rules.

Settings whose check needs more than a type (the master key's sources, the rotation webhook,
the client-side host list) are typed `Any` here and checked by their function in
settings/__init__.py; job_schedule's names are checked against the job registry by
gateway/config.py (settings import no stage). Everything else is checked by the model, and
its field names are the list of implemented settings (schema.GENERAL).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, StringConstraints, model_validator

from ..validation import normalize_cidr
from .section import STRICT, parse_section, reason

Positive = Annotated[float, Field(gt=0, description="must be a positive number")]
Flag = Annotated[bool, Field(description="must be true or false")]
# litellm_jwtauth: claim names and scopes as LiteLLM's JWT settings take them (API.md §6).
Claim = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1), Field(description="must be a claim name")
]
Names = Annotated[
    list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]],
    Field(description="must be a list of strings"),
]
Seconds = Annotated[float, Field(ge=0, allow_inf_nan=False, description="must be a number of seconds >= 0")]


def _cidr(v: str) -> str:
    try:
        return normalize_cidr(v)
    except ValueError as exc:
        raise reason(str(exc)) from None


# Addresses or CIDRs, IPv4 or IPv6 (`allowed_ips`, `trusted_proxies`), kept in canonical form.
Cidrs = Annotated[
    list[Annotated[str, AfterValidator(_cidr)]],
    Field(description="must be a list of IP addresses or CIDRs"),
]


def _yaml_on(v: Any) -> Any:
    """YAML reads a bare `on`/`off` as a boolean."""
    return {True: "on", False: "off"}.get(v, v) if isinstance(v, bool) else v


def _one_scope(scope: str) -> str:
    if any(c.isspace() for c in scope):  # the scope claim is a space-separated list
        raise reason("a scope cannot contain spaces")
    return scope


class CustomAuthSettings(BaseModel):
    model_config = STRICT

    mode: Annotated[
        Literal["on", "auto", "off"],
        BeforeValidator(_yaml_on),
        Field(description="must be one of on, auto, off"),
    ] = "on"


# LiteLLM's LitellmUserRoles values.
LiteLLMRole = Literal[
    "proxy_admin", "proxy_admin_viewer", "org_admin", "internal_user", "internal_user_viewer",
    "team", "customer",
]  # fmt: skip
JwtRole = Annotated[
    Literal["proxy_admin", "team", "internal_user"],
    Field(description="must be one of proxy_admin, team, internal_user"),
]


class RoleMapping(BaseModel):
    """`litellm_jwtauth.role_mappings[]`: an IdP group (in `roles_jwt_field`) → the gateway role."""

    model_config = STRICT

    role: Claim
    internal_role: JwtRole


class RolePermission(BaseModel):
    """`general_settings.role_permissions[]` (with `enforce_rbac`): what a JWT role may use."""

    model_config = STRICT

    role: JwtRole
    models: Names | None = None
    routes: Names | None = None


class ScopeMapping(BaseModel):
    """`litellm_jwtauth.scope_mappings[]` (LiteLLM's ScopeMapping): checked, not built."""

    model_config = STRICT

    scope: Annotated[Claim, AfterValidator(_one_scope)]
    models: Names | None = None
    routes: Names | None = None


class JwtRoleMap(BaseModel):
    """`litellm_jwtauth.jwt_litellm_role_map[]` (LiteLLM's JWTLiteLLMRoleMap): checked, not built."""

    model_config = STRICT

    jwt_role: Claim
    litellm_role: Annotated[
        LiteLLMRole,
        Field(description="must be a LiteLLM user role (proxy_admin, internal_user, ...)"),
    ]


# LiteLLM settings the gateway does not build and that would make access narrower than without
# them: accepting them silently would serve wider access than configured, so start-up stops.
UNBUILT_RESTRICTIONS = {
    "enforce_scope_based_access": (
        "true is not implemented by this gateway, so a token's scopes would not narrow its models "
        "and access would be wider than configured; remove it, or narrow models with roles_jwt_field, "
        "role_mappings, enforce_rbac and general_settings.role_permissions"
    ),
    "custom_validate": (
        "not implemented by this gateway, so the tokens it would refuse would be accepted and access "
        "would be wider than configured; remove it"
    ),
    "object_id_jwt_field": (
        "not implemented by this gateway, so a role-mapped token would act as the team or user its "
        "other claims name, not the one this claim names (LiteLLM takes the id from it); map that "
        "claim with team_id_jwt_field (team tokens) or user_id_jwt_field (user tokens) instead"
    ),
}


class JwtAuth(BaseModel):
    """`litellm_jwtauth`: checked here; auth/jwt/settings.py builds the JWT link's settings from it
    (its defaults, the route aliases, the key URLs from the environment)."""

    model_config = STRICT

    user_id_jwt_field: Claim | None = None
    team_id_jwt_field: Claim | None = None
    user_email_jwt_field: Claim | None = None
    admin_jwt_scope: Annotated[Claim, AfterValidator(_one_scope)] | None = None
    scope_jwt_field: Claim | None = None
    team_allowed_routes: Names | None = None
    # [] would mean "the role's default" downstream (a Principal's empty allowed_routes), i.e. more
    # than LiteLLM's "nothing", so an admin list must name something.
    admin_allowed_routes: (
        Annotated[Names, Field(min_length=1, description="must be a non-empty list of route groups or paths")]
        | None
    ) = None
    leeway: Seconds | None = None
    public_key_ttl: Seconds | None = None
    allowed_models: Names | None = None
    # Callers mapped into the directory (AUTHZ.md "JWT callers", docs/jwt.md).
    team_ids_jwt_field: Claim | None = None
    team_alias_jwt_field: Claim | None = None
    team_id_default: Claim | None = None
    team_id_upsert: Flag = False
    user_id_upsert: Flag = False
    user_allowed_email_domain: Claim | None = None
    org_id_jwt_field: Claim | None = None
    end_user_id_jwt_field: Claim | None = None
    user_roles_jwt_field: Claim | None = None
    user_allowed_roles: Names | None = None
    roles_jwt_field: Claim | None = None
    role_mappings: list[RoleMapping] | None = None
    enforce_rbac: Flag = False
    # Always true here (a JWT caller is held to its team's models); false is warned, not honoured.
    enforce_team_based_model_access: Flag | None = None
    # LiteLLM's fields the gateway does not build (schema.JWT_AUTH_IGNORED, docs/jwt.md): typed as
    # LiteLLM types them, so a wrong type still stops start-up; reported as ignored.
    public_allowed_routes: Names | None = None
    upsert_sso_user_to_team: Flag = False
    sync_user_role_and_teams: Flag = False
    jwt_litellm_role_map: Annotated[
        list[JwtRoleMap] | None, Field(description="must be a list of {jwt_role, litellm_role}")
    ] = None
    scope_mappings: Annotated[
        list[ScopeMapping] | None, Field(description="must be a list of {scope, models, routes}")
    ] = None
    # ... and refused when set (UNBUILT_RESTRICTIONS).
    enforce_scope_based_access: Flag = False
    custom_validate: Annotated[
        Annotated[str, StringConstraints(pattern=r"\.")] | None,
        Field(description="must be 'module.function'"),
    ] = None
    object_id_jwt_field: Claim | None = None

    @model_validator(mode="after")
    def _unbuilt(self) -> JwtAuth:
        for name, why in UNBUILT_RESTRICTIONS.items():
            if getattr(self, name) not in (None, False):
                raise reason(why, at=name)
        return self

    def start_up_warnings(self) -> tuple[str, ...]:
        """What start-up reports for settings accepted with another meaning than the config's."""
        if self.enforce_team_based_model_access is False:
            return (
                "litellm_jwtauth.enforce_team_based_model_access: false is not honoured; "
                "a JWT caller is always held to its team's models",
            )
        return ()

    @model_validator(mode="after")
    def _pairs(self) -> JwtAuth:
        # LiteLLM's own rule (LiteLLM_JWTAuth.__init__): the two settings come together.
        if (self.user_roles_jwt_field is None) != (self.user_allowed_roles is None):
            raise reason(
                "user_roles_jwt_field and user_allowed_roles must be set together", at="user_allowed_roles"
            )
        if (self.roles_jwt_field is None) != (self.role_mappings is None):
            raise reason("roles_jwt_field and role_mappings must be set together", at="role_mappings")
        return self


class GeneralSettings(BaseModel):
    model_config = STRICT

    master_key: Any = None  # settings/master_key.py: also from the environment
    database_url: Annotated[str | None, Field(description="must be a URL string")] = None
    enable_jwt_auth: Flag = False
    litellm_jwtauth: Annotated[JwtAuth | None, Field(description="must be a mapping")] = None
    custom_auth: Annotated[
        Annotated[str, StringConstraints(pattern=r"\.")] | None,
        Field(description="must be 'module.function'"),
    ] = None
    custom_auth_settings: Annotated[CustomAuthSettings | None, Field(description="must be a mapping")] = None
    litellm_key_header_name: Annotated[
        Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")] | None,
        Field(description="must be an HTTP header name"),
    ] = None
    user_api_key_cache_ttl: Positive = 60.0
    max_request_size_mb: Positive = 10.0
    max_response_size_mb: Positive = 64.0
    key_cache_warm_hours: Positive = 24.0
    key_rotation_webhook_url: Any = None  # checked with its secret (_rotation)
    key_rotation_webhook_secret: Any = None
    key_rotation_grace_period: Any = "24h"
    alerting: Any = None  # settings/alerting.py: channels, with WEBHOOK_URL from the environment
    alert_types: Any = None
    alerting_webhook_secret: Any = None
    job_schedule: Annotated[
        dict[str, Annotated[float, Field(gt=0, description="must be seconds > 0")]] | None,
        Field(description="must map job names to seconds"),
    ] = None  # the names: gateway/config.py, against the job registry
    limits_on_redis_failure: Annotated[
        Literal["open", "closed"], Field(description="must be one of open, closed")
    ] = "open"
    clientside_api_base_allowed_hosts: Any = None  # _allowed_hosts: normalised there
    ui_access_mode: Any = None  # settings/ui.py: a word or LiteLLM's restricted-group mapping
    apply_user_budget_to_team_keys: Flag = False  # a user's budget and limits hold its team keys too
    # Network (docs/network.md): callers allowed from these networks only (every auth method);
    # forwarding headers read only from a peer in `trusted_proxies` (LiteLLM: `use_x_forwarded_for`,
    # which trusts anyone, so it stays ignored).
    allowed_ips: Cidrs | None = None
    trusted_proxies: Cidrs | None = None
    role_permissions: Annotated[
        list[RolePermission] | None, Field(description="must be a list of {role, models, routes}")
    ] = None  # read by JWT callers with litellm_jwtauth.enforce_rbac


NO_ECHO = frozenset({"database_url"})  # may carry a password


def parse_general(general: Mapping[str, Any], source: str) -> GeneralSettings:
    return parse_section(GeneralSettings, general, source, "general_settings", no_echo=NO_ECHO)
