"""JWT settings (API.md §6): `litellm_jwtauth` and the JWT_* environment, checked once at start-up."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from ...settings import ConfigError, Settings

log = logging.getLogger(__name__)

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
    """The JWT link's settings: `litellm_jwtauth` (checked by its model, settings/general.py) with
    its defaults and LiteLLM's route aliases, and the JWT_* environment, checked here."""
    jwt = settings.jwt_auth
    routes = tuple(ROUTE_ALIASES.get(r, r) for r in jwt.team_allowed_routes or ())
    return JwtSettings(
        urls=_urls(settings),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        user_id_field=jwt.user_id_jwt_field or "sub",
        team_id_field=jwt.team_id_jwt_field,
        email_field=jwt.user_email_jwt_field,
        admin_scope=jwt.admin_jwt_scope or ADMIN_SCOPE,
        scope_field=jwt.scope_jwt_field or SCOPE_CLAIM,
        team_allowed_routes=routes,
        allowed_models=tuple(jwt.allowed_models or ()),
        leeway=30.0 if jwt.leeway is None else jwt.leeway,
        public_key_ttl=600.0 if jwt.public_key_ttl is None else jwt.public_key_ttl,
    )


def warn_unchecked(jwt: JwtSettings) -> None:
    """Once per deployment (the CLI reports before workers start): say what is not checked."""
    if os.environ.get("GATEWAY_CONFIG_REPORTED"):
        return
    if jwt.issuer is None:
        log.warning("JWT_ISSUER is not set: JWTs from any issuer signed by a configured key are accepted")
    if jwt.audience is None:
        log.warning("JWT_AUDIENCE is not set: JWTs for any audience signed by a configured key are accepted")
