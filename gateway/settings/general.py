"""`general_settings` as a model: the settings the gateway implements, their types and rules.

Settings whose check needs more than a type (the master key's sources, the rotation webhook,
job_schedule, the client-side host list) are typed `Any` here and checked by their function in
settings/__init__.py; everything else is checked by the model, and its field names are the
list of implemented settings (schema.GENERAL).
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationError
from pydantic_core import ErrorDetails

from .errors import ConfigError

# As strict as the /key/* bodies (gateway/validation.py), with no pydantic import there: the
# settings come first on the path.
STRICT = ConfigDict(extra="forbid", strict=True, hide_input_in_errors=True)

Positive = Annotated[float, Field(gt=0, description="must be a positive number")]
Flag = Annotated[bool, Field(description="must be true or false")]


def _yaml_on(v: Any) -> Any:
    """YAML reads a bare `on`/`off` as a boolean."""
    return {True: "on", False: "off"}.get(v, v) if isinstance(v, bool) else v


class CustomAuthSettings(BaseModel):
    model_config = STRICT

    mode: Annotated[
        Literal["on", "auto", "off"],
        BeforeValidator(_yaml_on),
        Field(description="must be one of on, auto, off"),
    ] = "on"


class JwtAuth(BaseModel):
    """`litellm_jwtauth`: the names here; the values are checked by auth/jwt/settings.py."""

    model_config = STRICT

    user_id_jwt_field: Any = None
    team_id_jwt_field: Any = None
    user_email_jwt_field: Any = None
    admin_jwt_scope: Any = None
    scope_jwt_field: Any = None
    team_allowed_routes: Any = None
    leeway: Any = None
    public_key_ttl: Any = None
    allowed_models: Any = None


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
    job_schedule: Any = None  # _job_schedule: the job names come from the job registry
    limits_on_redis_failure: Annotated[
        Literal["open", "closed"], Field(description="must be one of open, closed")
    ] = "open"
    clientside_api_base_allowed_hosts: Any = None  # _allowed_hosts: normalised there


NO_ECHO = frozenset({"database_url"})  # may carry a password


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _rule(model: type[BaseModel], loc: tuple[int | str, ...]) -> str | None:
    """The description of the innermost field along `loc` that has one."""
    rule = None
    current: type[BaseModel] | None = model
    for part in loc:
        field = current.model_fields.get(str(part)) if current is not None else None
        if field is None:
            break
        rule = field.description or rule
        current = _model_of(field.annotation)
    return rule


def config_error(source: str, section: str, model: type[BaseModel], error: ErrorDetails) -> ConfigError:
    """One line naming the file and the dotted key, worded like the rest of the config errors."""
    loc = error["loc"]
    key = ".".join([section, *(str(p) for p in loc)])
    if error["type"] == "extra_forbidden":
        return ConfigError(source, key, "unknown setting")
    why = _rule(model, loc) or error["msg"][:1].lower() + error["msg"][1:]
    value = error.get("input")
    scalar = isinstance(value, str | int | float | bool) or value is None  # never a mapping's content
    if scalar and loc and loc[0] not in NO_ECHO:
        why += f", got {value!r}"
    return ConfigError(source, key, why)


def parse_general(general: Mapping[str, Any], source: str) -> GeneralSettings:
    try:
        return GeneralSettings.model_validate(general)
    except ValidationError as exc:
        raise config_error(
            source, "general_settings", GeneralSettings, exc.errors(include_url=False)[0]
        ) from None
