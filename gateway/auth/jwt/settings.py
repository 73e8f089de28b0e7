"""JWT settings (API.md §6): `litellm_jwtauth` and the JWT_* environment, checked once at start-up."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ...authz.routes import GROUPS
from ...settings import ConfigError, Settings

log = logging.getLogger(__name__)

ADMIN_SCOPE = "litellm_proxy_admin"
SCOPE_CLAIM = "scope"  # RFC 6749 §3.3; `scope_jwt_field` names another claim (e.g. `scp`)
# LiteLLM's route groups → what the gateway's authz calls them. `openai_routes` is `llm_api_routes`;
# of LiteLLM's spend groups (its default `admin_allowed_routes`) the gateway serves `/spend/logs`,
# and the global ones are kept as the paths they name (none served), so that a list naming only
# them still allows only them: an empty list would mean the role's default routes.
ROUTE_ALIASES: dict[str, tuple[str, ...]] = {
    "openai_routes": ("llm_api_routes",),
    "spend_tracking_routes": ("/spend/logs",),
    "global_spend_tracking_routes": ("/global/spend/*", "/global/predict/spend/logs"),
}
KNOWN_GROUPS = (*GROUPS, *ROUTE_ALIASES)


@dataclass(frozen=True, slots=True)
class JwtSettings:
    urls: tuple[str, ...]
    issuer: str | None = None
    audience: str | None = None
    user_id_field: str = "sub"
    team_id_field: str | None = None
    email_field: str | None = None
    admin_scope: str = ADMIN_SCOPE
    scope_field: str = SCOPE_CLAIM
    team_allowed_routes: tuple[str, ...] = ()  # empty: the team role's default routes
    admin_allowed_routes: tuple[str, ...] = ()  # empty: the admin role's default routes
    allowed_models: tuple[str, ...] = ()  # empty: every model
    leeway: float = 30.0
    public_key_ttl: float = 600.0
    # The directory mapping (docs/jwt.md "Teams, users and roles").
    team_ids_field: str | None = None
    team_alias_field: str | None = None
    team_id_default: str | None = None
    team_id_upsert: bool = False
    user_id_upsert: bool = False
    email_domain: str | None = None
    org_id_field: str | None = None
    end_user_id_field: str | None = None
    user_roles_field: str | None = None
    user_allowed_roles: tuple[str, ...] = ()
    roles_field: str | None = None
    role_mappings: tuple[tuple[str, str], ...] = ()  # (IdP group, gateway role), first match wins
    enforce_rbac: bool = False
    # role → (models, routes), from general_settings.role_permissions
    role_permissions: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)
    team_template: Any = None  # settings.litellm.RowTemplate | None
    user_template: Any = None  # settings.litellm.UserTemplate | None
    cache_ttl: float = 60.0  # resolved identities, like keys (user_api_key_cache_ttl)


def _urls(settings: Settings) -> tuple[str, ...]:
    if not settings.jwt_public_key_urls:
        raise ConfigError(
            settings.source, "JWT_PUBLIC_KEY_URL", "must be set when general_settings.enable_jwt_auth is true"
        )
    for url in settings.jwt_public_key_urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(settings.source, "JWT_PUBLIC_KEY_URL", f"not an http(s) URL: {url!r}")
    return tuple(dict.fromkeys(settings.jwt_public_key_urls))  # a URL listed twice is fetched once


def routes(entries: list[str] | None, source: str, key: str) -> tuple[str, ...]:
    """Route groups (LiteLLM's names read as the gateway's), exact paths and `/prefix/*`; a name
    that is neither a known group nor a path is a config error: matching nothing, it would
    silently refuse what the operator meant to allow (or, in a list of one, allow the default)."""
    out: list[str] = []
    for i, entry in enumerate(entries or ()):
        if entry.startswith("/") or entry in GROUPS:
            out.append(entry)
        elif entry in ROUTE_ALIASES:
            out.extend(ROUTE_ALIASES[entry])
        else:
            known = ", ".join(KNOWN_GROUPS)
            why = f"unknown route group {entry!r} (known: {known}; or a path starting with /)"
            raise ConfigError(source, f"{key}[{i}]", why)
    return tuple(dict.fromkeys(out))


def jwt_settings(settings: Settings) -> JwtSettings:
    """The JWT link's settings: `litellm_jwtauth` (checked by its model, settings/general.py) with
    its defaults and LiteLLM's route aliases, and the JWT_* environment, checked here."""
    jwt = settings.jwt_auth
    key = "general_settings.litellm_jwtauth"
    return JwtSettings(
        urls=_urls(settings),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        user_id_field=jwt.user_id_jwt_field or "sub",
        team_id_field=jwt.team_id_jwt_field,
        email_field=jwt.user_email_jwt_field,
        admin_scope=jwt.admin_jwt_scope or ADMIN_SCOPE,
        scope_field=jwt.scope_jwt_field or SCOPE_CLAIM,
        team_allowed_routes=routes(jwt.team_allowed_routes, settings.source, f"{key}.team_allowed_routes"),
        admin_allowed_routes=routes(jwt.admin_allowed_routes, settings.source, f"{key}.admin_allowed_routes"),
        allowed_models=tuple(jwt.allowed_models or ()),
        leeway=30.0 if jwt.leeway is None else jwt.leeway,
        public_key_ttl=600.0 if jwt.public_key_ttl is None else jwt.public_key_ttl,
        team_ids_field=jwt.team_ids_jwt_field,
        team_alias_field=jwt.team_alias_jwt_field,
        team_id_default=jwt.team_id_default,
        team_id_upsert=jwt.team_id_upsert,
        user_id_upsert=jwt.user_id_upsert,
        email_domain=(jwt.user_allowed_email_domain or "").lower().lstrip("@") or None,
        org_id_field=jwt.org_id_jwt_field,
        end_user_id_field=jwt.end_user_id_jwt_field,
        user_roles_field=jwt.user_roles_jwt_field,
        user_allowed_roles=tuple(jwt.user_allowed_roles or ()),
        roles_field=jwt.roles_jwt_field,
        role_mappings=tuple((m.role, m.internal_role) for m in jwt.role_mappings or ()),
        enforce_rbac=jwt.enforce_rbac,
        role_permissions={
            p.role: (
                tuple(p.models or ()),
                routes(p.routes, settings.source, f"general_settings.role_permissions[{i}].routes"),
            )
            for i, p in enumerate(settings.role_permissions)
        },
        team_template=settings.default_team_params,
        user_template=settings.default_internal_user_params,
        cache_ttl=settings.key_cache_ttl,
    )


def warn_unchecked(jwt: JwtSettings) -> None:
    """Once per deployment (the CLI reports before workers start): say what is not checked."""
    if os.environ.get("GATEWAY_CONFIG_REPORTED"):
        return
    if jwt.issuer is None:
        log.warning("JWT_ISSUER is not set: JWTs from any issuer signed by a configured key are accepted")
    if jwt.audience is None:
        log.warning("JWT_AUDIENCE is not set: JWTs for any audience signed by a configured key are accepted")
