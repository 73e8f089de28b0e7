"""Start-up configuration: LiteLLM's config.yaml plus the environment → one frozen Settings."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import yaml

from ..durations import DurationError, parse_duration
from . import schema
from .alerting import AlertSettings, parse_alerting
from .deployments import ClientsideAuth, Deployment, Transport, parse_deployment, parse_transport
from .errors import ConfigError
from .general import GeneralSettings, JwtAuth, RolePermission, parse_general
from .litellm import LiteLLMSettings, RowTemplate, UserTemplate, parse_litellm
from .master_key import read_master_key
from .ui import UiSettings, parse_ui

__all__ = [
    "ClientsideAuth",
    "ConfigError",
    "Deployment",
    "Settings",
    "load_settings",
    "normalize_database_url",
]

_ENV_REF = re.compile(r"^os\.environ/([A-Za-z_][A-Za-z0-9_]*)$")
_HOST_NAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.?$")


@dataclass(frozen=True)
class Settings:
    source: str = "<defaults>"
    base_dir: str | None = None
    deployments: tuple[Deployment, ...] = ()
    master_key: str | None = field(default=None, repr=False)
    master_key_source: str | None = None  # the config key or env var it was read from
    database_url: str | None = None
    redis_url: str | None = field(default=None, repr=False)
    key_header_name: str | None = None
    key_cache_ttl: float = 60.0
    max_request_bytes: int = 10 * 1024 * 1024
    max_response_bytes: int = 64 * 1024 * 1024  # of an upstream body read whole (not a stream)
    enable_jwt_auth: bool = False
    jwt_auth: JwtAuth = field(default_factory=JwtAuth)  # litellm_jwtauth, checked
    jwt_public_key_urls: tuple[str, ...] = ()
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    custom_auth: str | None = None
    custom_auth_mode: str = "on"
    key_rotation_webhook_url: str | None = None
    key_rotation_webhook_secret: str | None = field(default=None, repr=False)
    metrics_require_auth: bool = False
    key_rotation_grace: timedelta = timedelta(hours=24)
    key_cache_warm_hours: float = 24.0
    job_schedule: Mapping[str, float] = field(default_factory=dict)  # names: checked by validate_config
    limits_on_redis_failure: str = "open"
    max_end_user_budget: float | None = None  # litellm_settings: an unknown customer's budget
    apply_user_budget_to_team_keys: bool = False  # general_settings: a user's budget holds its team keys
    clientside_api_base_allowed_hosts: tuple[str, ...] = ()  # beyond public addresses
    allowed_ips: tuple[str, ...] = ()  # CIDRs every caller must come from; empty: anywhere
    trusted_proxies: tuple[str, ...] = ()  # peers whose forwarding headers name the client
    role_permissions: tuple[RolePermission, ...] = ()  # JWT roles' models and routes (enforce_rbac)
    default_team_params: RowTemplate | None = None  # JWT team_id_upsert's template
    default_internal_user_params: UserTemplate | None = None  # JWT user_id_upsert's template
    ignored: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()  # logged at start and listed by /health/readiness
    migrate_on_start: bool = True
    transport: Transport = field(default_factory=Transport)  # TLS checks and egress proxy, upstream calls
    ui: UiSettings = field(default_factory=UiSettings)  # the admin UI at /ui (settings/ui.py)
    alerting: AlertSettings = field(default_factory=AlertSettings)  # budget alerts (settings/alerting.py)

    @property
    def embedded(self) -> bool:
        """True when running on the embedded default database (SQLite)."""
        return self.database_url is None or self.database_url.startswith("sqlite")


def _resolve(value: Any, key: str, source: str, environ: Mapping[str, str]) -> Any:
    """Replace every `os.environ/NAME` string, anywhere in the tree, by the variable's value."""
    if isinstance(value, str):
        m = _ENV_REF.match(value)
        if not m:
            return value
        name = m.group(1)
        if name not in environ:
            raise ConfigError(source, key, f"environment variable {name} is not set")
        return environ[name]
    if isinstance(value, dict):
        return {k: _resolve(v, f"{key}.{k}" if key else str(k), source, environ) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, f"{key}[{i}]", source, environ) for i, v in enumerate(value)]
    return value


def _read_file(path: str) -> Mapping[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            raw = yaml.safe_load(fh)
    except FileNotFoundError:
        raise ConfigError(path, "<file>", "file not found") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "<file>"
        raise ConfigError(path, where, f"not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError(path, "<file>", "the top level must be a mapping")
    return raw


def normalize_database_url(url: str | None) -> str | None:
    """`postgres://` and `postgresql://` (Heroku's, LiteLLM's) as SQLAlchemy's psycopg 3 URL."""
    if not url:
        return None
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _redis_url(environ: Mapping[str, str]) -> str | None:
    if environ.get("REDIS_URL"):
        return environ["REDIS_URL"]
    host = environ.get("REDIS_HOST")
    if not host:
        return None
    password = environ.get("REDIS_PASSWORD")
    auth = f":{quote(password, safe='')}@" if password else ""
    return f"redis://{auth}{host}:{environ.get('REDIS_PORT', '6379')}/0"


def _general(raw: Mapping[str, Any], source: str, ignored: list[str]) -> GeneralSettings:
    """`general_settings` checked by its model; LiteLLM's settings the gateway lacks are reported."""
    general = raw.get("general_settings") or {}
    if not isinstance(general, dict):
        raise ConfigError(source, "general_settings", "must be a mapping")
    ignored.extend(f"general_settings.{name}" for name in general if name in schema.GENERAL_IGNORED)
    checked = parse_general({k: v for k, v in general.items() if k not in schema.GENERAL_IGNORED}, source)
    jwt = general.get("litellm_jwtauth") or {}  # a mapping: parse_general checked it
    ignored.extend(f"general_settings.litellm_jwtauth.{k}" for k in jwt if k in schema.JWT_AUTH_IGNORED)
    return checked


def _litellm(raw: Mapping[str, Any], source: str, ignored: list[str]) -> LiteLLMSettings:
    """`litellm_settings` checked by its model; the LiteLLM settings the gateway lacks are reported."""
    section = raw.get("litellm_settings") or {}
    if not isinstance(section, dict):
        raise ConfigError(source, "litellm_settings", "must be a mapping")
    ignored.extend(f"litellm_settings.{k}" for k in section if k not in schema.LITELLM_SETTINGS)
    return parse_litellm({k: v for k, v in section.items() if k in schema.LITELLM_SETTINGS}, source)


def _rotation(general: Mapping[str, Any], source: str) -> tuple[str | None, str | None, timedelta]:
    url = general.get("key_rotation_webhook_url")
    secret = general.get("key_rotation_webhook_secret")
    key = "general_settings.key_rotation_webhook_url"
    if url is not None and (not isinstance(url, str) or not re.match(r"^https?://[^/\s]+", url)):
        raise ConfigError(source, key, f"must be an http(s) URL, got {url!r}")
    if url and (not isinstance(secret, str) or len(secret) < 16):
        raise ConfigError(
            source, "general_settings.key_rotation_webhook_secret", "needs 16+ characters to sign the webhook"
        )
    grace = general.get("key_rotation_grace_period", "24h")
    try:
        period = parse_duration(grace, allow_zero=True)
    except DurationError as exc:
        raise ConfigError(source, "general_settings.key_rotation_grace_period", str(exc)) from None
    return url, secret, period


def _allowed_hosts(general: Mapping[str, Any], source: str) -> tuple[str, ...]:
    """Host names or CIDRs a client-chosen api_base may reach besides public addresses."""
    key = "general_settings.clientside_api_base_allowed_hosts"
    value = general.get("clientside_api_base_allowed_hosts") or []
    if not isinstance(value, list):
        raise ConfigError(source, key, "must be a list of host names or CIDRs")
    out = []
    for i, entry in enumerate(value):
        if isinstance(entry, str):
            try:
                out.append(str(ipaddress.ip_network(entry, strict=False)))
                continue
            except ValueError:
                if _HOST_NAME.match(entry):
                    out.append(entry.lower().rstrip("."))
                    continue
        raise ConfigError(source, f"{key}[{i}]", f"must be a host name or a CIDR, got {entry!r}")
    return tuple(out)


def load_settings(
    path: str | None = None,
    raw: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Read config (a file path or an already-parsed mapping) and the environment."""
    env = dict(os.environ if environ is None else environ)
    source = path or ("<config>" if raw is not None else "<defaults>")
    if raw is None:
        raw = _read_file(path) if path else {}
    ignored: list[str] = []
    for name in raw:
        if name in schema.TOP_LEVEL_IGNORED:
            ignored.append(name)
        elif name not in schema.TOP_LEVEL:
            raise ConfigError(source, name, "unknown top-level section")
    extra_env = raw.get("environment_variables") or {}
    if not isinstance(extra_env, dict):
        raise ConfigError(source, "environment_variables", "must be a mapping")
    env.update({str(k): str(v) for k, v in extra_env.items()})
    resolved = _resolve(dict(raw), "", source, env)

    model_list = resolved.get("model_list") or []
    if not isinstance(model_list, list):
        raise ConfigError(source, "model_list", "must be a list")
    deployments = tuple(parse_deployment(e, i, source, env, ignored) for i, e in enumerate(model_list))

    checked = _general(resolved, source, ignored)
    litellm = _litellm(resolved, source, ignored)
    general = resolved.get("general_settings") or {}  # for the settings checked by a function
    raw_general = raw.get("general_settings") if isinstance(raw.get("general_settings"), dict) else {}
    master_key, master_source, warnings = read_master_key(raw_general, general, env, source)
    database_url = checked.database_url or env.get("DATABASE_URL")
    urls = tuple(u.strip() for u in env.get("JWT_PUBLIC_KEY_URL", "").split(",") if u.strip())
    webhook_url, webhook_secret, grace = _rotation(general, source)
    alerting = parse_alerting(general, env, source, ignored)

    return Settings(
        source=source,
        base_dir=os.path.dirname(os.path.abspath(path)) if path else None,
        deployments=deployments,
        master_key=master_key,
        master_key_source=master_source,
        database_url=normalize_database_url(database_url),
        redis_url=_redis_url(env),
        key_header_name=checked.litellm_key_header_name,
        key_cache_ttl=checked.user_api_key_cache_ttl,
        max_request_bytes=int(checked.max_request_size_mb * 1024 * 1024),
        max_response_bytes=int(checked.max_response_size_mb * 1024 * 1024),
        enable_jwt_auth=checked.enable_jwt_auth,
        jwt_auth=checked.litellm_jwtauth or JwtAuth(),
        jwt_public_key_urls=urls,
        jwt_issuer=env.get("JWT_ISSUER") or None,
        jwt_audience=env.get("JWT_AUDIENCE") or None,
        custom_auth=checked.custom_auth,
        custom_auth_mode=checked.custom_auth_settings.mode if checked.custom_auth_settings else "on",
        metrics_require_auth=litellm.require_auth_for_metrics_endpoint,
        key_rotation_webhook_url=webhook_url,
        key_rotation_webhook_secret=webhook_secret,
        key_rotation_grace=grace,
        key_cache_warm_hours=checked.key_cache_warm_hours,
        job_schedule=dict(checked.job_schedule or {}),
        limits_on_redis_failure=checked.limits_on_redis_failure,
        max_end_user_budget=litellm.max_end_user_budget,
        apply_user_budget_to_team_keys=checked.apply_user_budget_to_team_keys,
        clientside_api_base_allowed_hosts=_allowed_hosts(general, source),
        allowed_ips=tuple(dict.fromkeys(checked.allowed_ips or ())),
        trusted_proxies=tuple(dict.fromkeys(checked.trusted_proxies or ())),
        role_permissions=tuple(checked.role_permissions or ()),
        default_team_params=litellm.default_team_params,
        default_internal_user_params=litellm.default_internal_user_params,
        ignored=tuple(ignored),
        warnings=(*warnings, *(checked.litellm_jwtauth or JwtAuth()).start_up_warnings()),
        migrate_on_start=env.get("DISABLE_SCHEMA_UPDATE", "").strip().lower() not in ("1", "true", "yes"),
        transport=parse_transport(litellm.ssl_verify, env, source),
        ui=parse_ui(general, env, source),
        alerting=alerting,
    )
