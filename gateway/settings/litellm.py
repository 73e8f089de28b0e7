"""`litellm_settings` as a model: the keys the gateway implements (schema.LITELLM_SETTINGS);
LiteLLM's many others are taken out before and reported as ignored (settings/__init__.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, PlainValidator

from ..durations import DurationError, parse_duration
from .general import Flag, Names
from .section import STRICT, parse_section, reason


def _verify(value: Any) -> bool | str:
    """LiteLLM's ssl_verify: check certificates or not, or the CA bundle to check them with."""
    if isinstance(value, bool) or (isinstance(value, str) and value):
        return value
    raise reason("must be true, false or the path of a CA bundle")


def _duration(value: str | None) -> str | None:
    if value is not None:
        try:
            parse_duration(value)
        except DurationError as exc:
            raise reason(str(exc)) from None
    return value


MAPPING = "must be a mapping"
Amount = Annotated[float, Field(ge=0, allow_inf_nan=False, description="must be a number >= 0")]
Count = Annotated[int, Field(ge=0, description="must be a whole number >= 0")]


class RowTemplate(BaseModel):
    """What a row created for a JWT caller (`team_id_upsert`, `user_id_upsert`) gets, and nothing
    more: no models unless listed here (LiteLLM #35532 created teams that could call anything)."""

    model_config = STRICT

    models: Names | None = None
    max_budget: Amount | None = None
    budget_duration: Annotated[str | None, AfterValidator(_duration)] = None
    tpm_limit: Count | None = None
    rpm_limit: Count | None = None
    max_parallel_requests: Count | None = None


class UserTemplate(RowTemplate):
    # Never an admin role: an IdP claim must not mint a proxy admin.
    user_role: Annotated[
        Literal["internal_user", "internal_user_viewer"],
        Field(description="must be internal_user or internal_user_viewer (never an admin role)"),
    ] = "internal_user"


class LiteLLMSettings(BaseModel):
    model_config = STRICT

    require_auth_for_metrics_endpoint: Flag = False
    ssl_verify: Annotated[bool | str, PlainValidator(_verify)] = True  # the file: deployments.parse_transport
    # The budget of a customer (end user) the database does not know: it holds from its first request.
    max_end_user_budget: Annotated[float, Field(ge=0, description="must be a number >= 0")] | None = None
    # LiteLLM's templates for rows it creates (SSO there; JWT upserts here).
    default_team_params: Annotated[RowTemplate | None, Field(description=MAPPING)] = None
    default_internal_user_params: Annotated[UserTemplate | None, Field(description=MAPPING)] = None


def parse_litellm(litellm_settings: Mapping[str, Any], source: str) -> LiteLLMSettings:
    return parse_section(LiteLLMSettings, litellm_settings, source, "litellm_settings")
