"""The admin UI's settings (docs/ui.md): its logins, session, and single sign-on, by LiteLLM's names.

From the environment: `UI_USERNAME`/`UI_PASSWORD`, `UI_SESSION_SECRET`, `UI_SESSION_LIFETIME`,
`PROXY_BASE_URL`, `PROXY_ADMIN_ID`, and the generic OIDC provider's `GENERIC_*` variables; from
`general_settings`: `ui_access_mode` (`all`, `admin_only`, or LiteLLM's restricted SSO group).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from ..durations import DurationError, parse_duration
from .errors import ConfigError

UI_ROLES = ("proxy_admin", "proxy_admin_viewer", "org_admin", "internal_user", "internal_user_viewer")
_URL = re.compile(r"^https?://[^/\s]+")


@dataclass(frozen=True)
class SsoSettings:
    """A generic OIDC provider: endpoints given one by one, or found by discovery."""

    client_id: str
    client_secret: str | None = field(default=None, repr=False)
    authorization_endpoint: str | None = None
    token_endpoint: str | None = None
    userinfo_endpoint: str | None = None
    discovery_url: str | None = None
    jwks_uri: str | None = None  # with endpoints given one by one: the ID token's keys
    scope: str = "openid email profile"
    user_id_attribute: str = "sub"
    email_attribute: str = "email"
    role_attribute: str | None = None  # a claim holding a role name, or values mapped below
    role_mappings: Mapping[str, str] = field(default_factory=dict)  # IdP value -> gateway role


@dataclass(frozen=True)
class UiSettings:
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    session_secret: str | None = field(default=None, repr=False)
    session_lifetime: timedelta = timedelta(hours=12)
    base_url: str | None = None  # PROXY_BASE_URL: where the IdP sends the browser back
    admin_id: str | None = None  # PROXY_ADMIN_ID: this SSO user is a proxy admin
    access_mode: str = "all"  # all | admin_only | restricted_sso_group
    sso_group: str | None = None  # restricted_sso_group: the group an SSO user must be in
    sso_group_field: str = "groups"
    sso: SsoSettings | None = None


def _url(env: Mapping[str, str], name: str, source: str) -> str | None:
    value = env.get(name, "").strip() or None
    if value is not None and not _URL.match(value):
        raise ConfigError(source, name, f"must be an http(s) URL, got {value!r}")
    return value.rstrip("/") if value and name == "PROXY_BASE_URL" else value


def _mappings(raw: str, source: str) -> dict[str, str]:
    """`GENERIC_USER_ROLE_MAPPINGS`: `idp-value=role,...`, each role one of the UI roles."""
    out = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        value, _, role = part.partition("=")
        if not value.strip() or role.strip() not in UI_ROLES:
            raise ConfigError(
                source,
                "GENERIC_USER_ROLE_MAPPINGS",
                f"each entry must be `idp-value=role` with a role among {', '.join(UI_ROLES)}",
            )
        out[value.strip()] = role.strip()
    return out


def _sso(env: Mapping[str, str], source: str) -> SsoSettings | None:
    client_id = env.get("GENERIC_CLIENT_ID", "").strip()
    if not client_id:
        return None
    sso = SsoSettings(
        client_id=client_id,
        client_secret=env.get("GENERIC_CLIENT_SECRET") or None,
        authorization_endpoint=_url(env, "GENERIC_AUTHORIZATION_ENDPOINT", source),
        token_endpoint=_url(env, "GENERIC_TOKEN_ENDPOINT", source),
        userinfo_endpoint=_url(env, "GENERIC_USERINFO_ENDPOINT", source),
        discovery_url=_url(env, "GENERIC_DISCOVERY_URL", source),
        jwks_uri=_url(env, "GENERIC_JWKS_URI", source),
        scope=env.get("GENERIC_SCOPE", "").strip() or "openid email profile",
        user_id_attribute=env.get("GENERIC_USER_ID_ATTRIBUTE", "").strip() or "sub",
        email_attribute=env.get("GENERIC_USER_EMAIL_ATTRIBUTE", "").strip() or "email",
        role_attribute=env.get("GENERIC_USER_ROLE_ATTRIBUTE", "").strip() or None,
        role_mappings=_mappings(env.get("GENERIC_USER_ROLE_MAPPINGS", ""), source),
    )
    if sso.discovery_url is None and not (sso.authorization_endpoint and sso.token_endpoint):
        raise ConfigError(
            source,
            "GENERIC_CLIENT_ID",
            "SSO needs GENERIC_DISCOVERY_URL, or GENERIC_AUTHORIZATION_ENDPOINT and GENERIC_TOKEN_ENDPOINT",
        )
    if sso.discovery_url is None and "openid" in sso.scope.split() and sso.jwks_uri is None:
        raise ConfigError(
            source,
            "GENERIC_JWKS_URI",
            "with `openid` in GENERIC_SCOPE and no GENERIC_DISCOVERY_URL, the ID token's keys are needed",
        )
    return sso


def _access_mode(value: Any, source: str) -> tuple[str, str | None, str]:
    key = "general_settings.ui_access_mode"
    if value is None or value in ("all", "admin_only"):
        return value or "all", None, "groups"
    if isinstance(value, dict) and value.get("type") == "restricted_sso_group":
        group, claim = value.get("restricted_sso_group"), value.get("sso_group_jwt_field", "groups")
        if isinstance(group, str) and group and isinstance(claim, str) and claim:
            return "restricted_sso_group", group, claim
    raise ConfigError(
        source,
        key,
        "must be `all`, `admin_only`, or {type: restricted_sso_group, restricted_sso_group: NAME}",
    )


def parse_ui(general: Mapping[str, Any], env: Mapping[str, str], source: str) -> UiSettings:
    username, password = env.get("UI_USERNAME") or None, env.get("UI_PASSWORD") or None
    if bool(username) != bool(password):
        raise ConfigError(source, "UI_USERNAME", "UI_USERNAME and UI_PASSWORD go together")
    try:
        lifetime = parse_duration(env.get("UI_SESSION_LIFETIME") or "12h")
    except DurationError as exc:
        raise ConfigError(source, "UI_SESSION_LIFETIME", str(exc)) from None
    secret = env.get("UI_SESSION_SECRET") or None
    if secret is not None and len(secret) < 32:
        raise ConfigError(source, "UI_SESSION_SECRET", "needs 32 or more characters")
    mode, group, group_field = _access_mode(general.get("ui_access_mode"), source)
    return UiSettings(
        username=username,
        password=password,
        session_secret=secret,
        session_lifetime=lifetime,
        base_url=_url(env, "PROXY_BASE_URL", source),
        admin_id=env.get("PROXY_ADMIN_ID", "").strip() or None,
        access_mode=mode,
        sso_group=group,
        sso_group_field=group_field,
        sso=_sso(env, source),
    )
