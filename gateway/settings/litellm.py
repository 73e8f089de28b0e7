"""`litellm_settings` as a model: the keys the gateway implements (schema.LITELLM_SETTINGS);
LiteLLM's many others are taken out before and reported as ignored (settings/__init__.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, Field, PlainValidator

from .general import Flag
from .section import STRICT, parse_section, reason


def _verify(value: Any) -> bool | str:
    """LiteLLM's ssl_verify: check certificates or not, or the CA bundle to check them with."""
    if isinstance(value, bool) or (isinstance(value, str) and value):
        return value
    raise reason("must be true, false or the path of a CA bundle")


class LiteLLMSettings(BaseModel):
    model_config = STRICT

    require_auth_for_metrics_endpoint: Flag = False
    ssl_verify: Annotated[bool | str, PlainValidator(_verify)] = True  # the file: deployments.parse_transport
    # The budget of a customer (end user) the database does not know: it holds from its first request.
    max_end_user_budget: Annotated[float, Field(ge=0, description="must be a number >= 0")] | None = None


def parse_litellm(litellm_settings: Mapping[str, Any], source: str) -> LiteLLMSettings:
    return parse_section(LiteLLMSettings, litellm_settings, source, "litellm_settings")
