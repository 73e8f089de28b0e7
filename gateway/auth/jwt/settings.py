"""JWT settings (API.md §6): `litellm_jwtauth` and the JWT_* environment, checked once at start-up."""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ...settings import ConfigError, Settings

log = logging.getLogger(__name__)

SECTION = "general_settings.litellm_jwtauth"
ADMIN_SCOPE = "litellm_proxy_admin"
SCOPE_CLAIM = "scope"  # RFC 6749 §3.3; `scope_jwt_field` names another claim (e.g. `scp`)
# LiteLLM calls the LLM route group `openai_routes`; the gateway's authz calls it `llm_api_routes`.
ROUTE_ALIASES = {"openai_routes": "llm_api_routes"}


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
    allowed_models: tuple[str, ...] = ()  # empty: every model
    leeway: float = 30.0
    public_key_ttl: float = 600.0


def _field(raw: Mapping[str, Any], name: str, source: str) -> str | None:
    value = raw.get(name)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise ConfigError(source, f"{SECTION}.{name}", f"must be a claim name, got {value!r}")
    return value.strip() if value is not None else None


def _names(raw: Mapping[str, Any], name: str, source: str) -> tuple[str, ...]:
    value = raw.get(name)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(source, f"{SECTION}.{name}", f"must be a list of strings, got {value!r}")
    return tuple(v.strip() for v in value)


def _routes(raw: Mapping[str, Any], source: str) -> tuple[str, ...]:
    return tuple(ROUTE_ALIASES.get(r, r) for r in _names(raw, "team_allowed_routes", source))


def _seconds(raw: Mapping[str, Any], name: str, default: float, source: str) -> float:
    value = raw.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise ConfigError(source, f"{SECTION}.{name}", f"must be a number of seconds >= 0, got {value!r}")
    return float(value)


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


def jwt_settings(settings: Settings) -> JwtSettings:
    """Parse and check; ConfigError names the key of the first bad value."""
    raw, source = settings.jwt_auth, settings.source
    admin_scope = _field(raw, "admin_jwt_scope", source) or ADMIN_SCOPE
    if any(c.isspace() for c in admin_scope):
        raise ConfigError(source, f"{SECTION}.admin_jwt_scope", "a scope cannot contain spaces")
    return JwtSettings(
        urls=_urls(settings),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        user_id_field=_field(raw, "user_id_jwt_field", source) or "sub",
        team_id_field=_field(raw, "team_id_jwt_field", source),
        email_field=_field(raw, "user_email_jwt_field", source),
        admin_scope=admin_scope,
        scope_field=_field(raw, "scope_jwt_field", source) or SCOPE_CLAIM,
        team_allowed_routes=_routes(raw, source),
        allowed_models=_names(raw, "allowed_models", source),
        leeway=_seconds(raw, "leeway", 30.0, source),
        public_key_ttl=_seconds(raw, "public_key_ttl", 600.0, source),
    )


def warn_unchecked(jwt: JwtSettings) -> None:
    """Once per deployment (the CLI reports before workers start): say what is not checked."""
    if os.environ.get("GATEWAY_CONFIG_REPORTED"):
        return
    if jwt.issuer is None:
        log.warning("JWT_ISSUER is not set: JWTs from any issuer signed by a configured key are accepted")
    if jwt.audience is None:
        log.warning("JWT_AUDIENCE is not set: JWTs for any audience signed by a configured key are accepted")
