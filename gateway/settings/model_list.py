"""A `model_list` entry as models: `litellm_params` (its fields are the parameters the gateway
implements, schema.LITELLM_PARAMS) and `model_info`, with the checks that need code (the
provider, the upstream URL and credentials from the environment, the client-side regexes)
as their validators. deployments.py turns a checked entry into a Deployment.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, Field, PlainValidator, ValidationInfo, model_validator

from .providers import DEFAULT_BASE, KEY_ENV, refusal, split_model
from .section import STRICT, reason

CLIENTSIDE_PARAMS = ("api_key", "api_base", "api_version")
DEFAULT_TIMEOUT = 600.0
_URL = re.compile(r"^https?://[^/\s]+")

NonEmpty = Annotated[str, Field(min_length=1, description="must be a non-empty string")]
Positive = Annotated[float, Field(gt=0, description="must be a positive number")]
Cost = Annotated[float, Field(ge=0, description="must be a number >= 0")]


def _known_provider(model: str) -> str:
    if split_model(model) is None:
        raise reason(refusal(model))
    return model


def _clientside_entry(entry: Any) -> str | re.Pattern[str]:
    """A parameter name a client may send, or `{"api_base": "<regex>"}` (API.md §8)."""
    if isinstance(entry, str):
        if entry not in CLIENTSIDE_PARAMS:
            raise reason(f"must be one of {', '.join(CLIENTSIDE_PARAMS)}")
        return entry
    if isinstance(entry, dict) and list(entry) == ["api_base"]:
        regex = entry["api_base"]
        if not isinstance(regex, str) or not regex:
            raise reason("api_base must be a regex string")
        try:
            return re.compile(regex)
        except re.error as exc:
            raise reason(f"bad regex {regex!r}: {exc}") from None
    raise reason('must be a name or {"api_base": "<regex>"}')


def _model_id(value: Any) -> str | None:
    if value is None or (isinstance(value, str | int) and not isinstance(value, bool)):
        return None if value in (None, "") else str(value)
    raise reason("must be a string")


class LiteLLMParams(BaseModel):
    """After validation api_base, api_key and api_version are the ones the gateway uses: the
    environment's (AZURE_API_BASE, OPENAI_API_KEY...) and the provider's default filled in."""

    model_config = STRICT

    model: Annotated[
        str,
        Field(min_length=1, description="must be a non-empty string like openai/gpt-4o"),
        AfterValidator(_known_provider),
    ]
    api_base: NonEmpty | None = None
    api_key: NonEmpty | None = None
    api_version: NonEmpty | None = None
    timeout: Positive = DEFAULT_TIMEOUT
    stream_timeout: Positive | None = None  # default: timeout
    mock_response: Annotated[str | None, Field(description="must be a string")] = None
    configurable_clientside_auth_params: Annotated[
        list[Annotated[str | re.Pattern[str], PlainValidator(_clientside_entry)]] | None,
        Field(description="must be a list"),
    ] = None
    organization: NonEmpty | None = None
    input_cost_per_token: Cost | None = None
    output_cost_per_token: Cost | None = None

    @property
    def provider(self) -> str:
        return (split_model(self.model) or ("", ""))[0]

    @property
    def upstream_model(self) -> str:
        return (split_model(self.model) or ("", ""))[1]

    @model_validator(mode="after")
    def _upstream(self, info: ValidationInfo) -> Self:
        """The URL and credentials from the config, else the environment, else the provider's
        default; a deployment with none (and no mock_response) cannot be called."""
        environ = (info.context or {}).get("environ", {})
        provider, mocked = self.provider, self.mock_response is not None
        if provider == "azure":
            self.api_base = self.api_base or environ.get("AZURE_API_BASE")
            self.api_key = self.api_key or environ.get("AZURE_API_KEY")
            self.api_version = self.api_version or environ.get("AZURE_API_VERSION")
            if not mocked and not self.api_base:
                raise reason("azure/ needs api_base (or AZURE_API_BASE)", at="api_base")
            if not mocked and not self.api_version:
                raise reason("azure/ needs api_version", at="api_version")
        else:
            self.api_base = self.api_base or DEFAULT_BASE[provider]
            if provider in KEY_ENV and self.api_key is None:
                self.api_key = environ.get(KEY_ENV[provider]) or None
            if not mocked and not self.api_base:
                raise reason(f"{provider}/ needs api_base", at="api_base")
            if self.api_base and provider in ("ollama", "ollama_chat") and not self.api_base.endswith("/v1"):
                self.api_base = self.api_base.rstrip("/") + "/v1"
        if self.api_base and not _URL.match(self.api_base):
            raise reason(f"must be an http(s) URL, got {self.api_base!r}", at="api_base")
        return self


class ModelInfo(BaseModel):
    """LiteLLM's model_info is open (mode, base_model, max_tokens...): kept and shown by
    /model/info as given; these are the keys the gateway reads."""

    model_config = {**STRICT, "extra": "allow"}

    id: Annotated[str | None, PlainValidator(_model_id)] = None
    input_cost_per_token: Cost | None = None
    output_cost_per_token: Cost | None = None
    # Prompt-cache prices (LiteLLM's names); unset: the input price.
    cache_creation_input_token_cost: Cost | None = None
    cache_read_input_token_cost: Cost | None = None


class ModelEntry(BaseModel):
    model_config = STRICT

    model_name: NonEmpty
    litellm_params: Annotated[LiteLLMParams, Field(description="must be a mapping")]
    model_info: Annotated[ModelInfo | None, Field(description="must be a mapping")] = None
