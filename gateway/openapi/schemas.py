"""JSON Schemas (OpenAPI 3.1 / JSON Schema 2020-12) of the bodies the gateway reads and writes.

Request schemas say what the gateway itself checks: the `/key/*` ones are generated from the
pydantic models that validate them (keys/fields.py), so the two cannot disagree. OpenAI request
fields the gateway passes through untouched are listed with their types but not constrained,
since the upstream is what judges them. No bound is here for fuzzing's sake: the conformance
test (tests/openapi) adds its own.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import models_json_schema

from ..keys import fields
from ..keys.checks import KeyId, Text

REF = "#/components/schemas/"
# The request models the gateway validates with (keys/fields.py): their schemas are generated
# from them, so the document publishes exactly what is checked, no more and no less.
KEY_REQUESTS: tuple[type[BaseModel], ...] = (
    fields.KeyGenerateRequest,
    fields.KeyUpdateRequest,
    fields.KeyRegenerateRequest,
    fields.KeyRegeneratePathRequest,
    fields.KeyRef,
    fields.KeyDeleteRequest,
)
NOISE = {"title", "default"}  # pydantic's, not the API's: titles repeat names, defaults are "not given"


def _clean(schema: Any, in_properties: bool = False) -> Any:
    if isinstance(schema, dict):
        return {
            k: _clean(v, in_properties=k == "properties" and not in_properties)
            for k, v in schema.items()
            if in_properties or k not in NOISE
        }
    if isinstance(schema, list):
        return [_clean(x) for x in schema]
    return schema


def generated(models: tuple[type[BaseModel], ...]) -> dict[str, dict[str, Any]]:
    """Components from pydantic models, their nested models ($defs) as components of their own."""
    _, top = models_json_schema([(m, "validation") for m in models], ref_template=REF + "{model}")
    return _clean(top["$defs"])


def value_schema(annotation: Any) -> dict[str, Any]:
    """The schema of one checked value, e.g. a query parameter."""
    return _clean(TypeAdapter(annotation).json_schema(ref_template=REF + "{model}"))


KEY_COMPONENTS = generated(KEY_REQUESTS)
TEXT = value_schema(Text)
KEY_REF = value_schema(KeyId)
LIMITS = {"maxLength", "minLength", "pattern", "maximum", "required"}


def stored(schema: Any) -> Any:
    """A request field's schema without its bounds: the shape a stored value is echoed in."""
    if isinstance(schema, dict):
        return {k: stored(v) for k, v in schema.items() if k not in LIMITS}
    if isinstance(schema, list):
        return [stored(x) for x in schema]
    return schema


_SETTINGS = {
    **KEY_COMPONENTS["KeyGenerateRequest"]["properties"],
    **KEY_COMPONENTS["KeyUpdateRequest"]["properties"],
}

KEY_VIEW = {
    "type": "object",
    "properties": {
        "token": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "key_name": {"type": "string"},
        "key_alias": {"type": ["string", "null"]},
        "models": {"type": "array", "items": {"type": "string"}},
        "metadata": {"type": "object"},
        "allowed_routes": {"type": "array", "items": {"type": "string"}},
        "allowed_ips": {"type": "array", "items": {"type": "string"}},
        "user_id": {"type": ["string", "null"]},
        "team_id": {"type": ["string", "null"]},
        "expires": {"type": ["string", "null"], "format": "date-time"},
        "blocked": {"type": ["boolean", "null"]},
        "max_budget": {"type": ["number", "null"]},
        "spend": {"type": ["number", "null"]},
        "budget_duration": {"type": ["string", "null"]},
        "budget_reset_at": {"type": ["string", "null"]},
        "rpm_limit": {"type": ["integer", "null"]},
        "tpm_limit": {"type": ["integer", "null"]},
        "max_parallel_requests": {"type": ["integer", "null"]},
        "auto_rotate": {"type": ["boolean", "null"]},
        "rotation_interval": {"type": ["string", "null"]},
        "rotation_at": {"type": ["string", "null"]},
        "created_at": {"type": ["string", "null"]},
        "updated_at": {"type": ["string", "null"]},
        "created_by": {"type": ["string", "null"]},
        **{name: stored(_SETTINGS[name]) for name in fields.STORED},
        "token_id": {"type": "string"},
        "litellm_budget_table": {"type": "null"},
        "not_enforced": {"type": "array", "items": {"enum": list(fields.NOT_ENFORCED)}},
        "status": {"enum": ["active", "expired", "blocked"]},
    },
    "required": ["token", "key_name", "models", "status", "not_enforced", *fields.STORED],
}

MESSAGE = {
    "type": "object",
    "properties": {
        "role": {"enum": ["system", "developer", "user", "assistant", "tool"]},
        "content": {
            "anyOf": [
                {"type": "string"},
                {"type": "array", "items": {"type": "object"}},
                {"type": "null"},
            ]
        },
        "name": {"type": "string"},
    },
    "required": ["role"],
}

_OPENAI_COMMON = {
    "model": {"type": "string", "minLength": 1},
    "stream": {"type": ["boolean", "null"]},
    "stream_options": {"type": "object", "properties": {"include_usage": {"type": "boolean"}}},
    "user": {"type": "string"},
    "metadata": {"type": "object"},
    # Client-side credentials (API.md §8): refused unless the deployment allows them.
    "api_key": {"type": "string"},
    "api_base": {"type": "string"},
    "api_version": {"type": "string"},
}

CHAT_REQUEST = {
    "type": "object",
    "properties": {
        **_OPENAI_COMMON,
        "messages": {"type": "array", "items": MESSAGE},
        "temperature": {"type": "number"},
        "top_p": {"type": "number"},
        "n": {"type": "integer"},
        "max_tokens": {"type": "integer"},
        "max_completion_tokens": {"type": "integer"},
        "stop": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "tools": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["model", "messages"],
}
COMPLETION_REQUEST = {
    "type": "object",
    "properties": {
        **_OPENAI_COMMON,
        "prompt": {"anyOf": [{"type": "string"}, {"type": "array"}]},
        "max_tokens": {"type": "integer"},
        "temperature": {"type": "number"},
    },
    "required": ["model", "prompt"],
}
EMBEDDING_REQUEST = {
    "type": "object",
    "properties": {
        **{k: v for k, v in _OPENAI_COMMON.items() if k not in ("stream", "stream_options")},
        "input": {
            "anyOf": [
                {"type": "string"},
                {"type": "array", "items": {"type": "string"}},
            ]
        },
        "encoding_format": {"enum": ["float", "base64"]},
        "dimensions": {"type": "integer"},
    },
    "required": ["model", "input"],
}


def _model_body(**props: dict[str, Any]) -> dict[str, Any]:
    """A request the gateway reads only for its `model` (and `stream`); the rest is the upstream's."""
    return {"type": "object", "properties": {**_OPENAI_COMMON, **props}, "required": ["model"]}


IMAGE_REQUEST = _model_body(prompt={"type": "string"}, n={"type": "integer"}, size={"type": "string"})
SPEECH_REQUEST = _model_body(input={"type": "string"}, voice={"type": "string"})
MODERATION_REQUEST = _model_body(input={"anyOf": [{"type": "string"}, {"type": "array"}]})
RESPONSES_REQUEST = _model_body(
    input={"anyOf": [{"type": "string"}, {"type": "array"}]}, instructions={"type": "string"}
)
TRANSCRIPTION_FORM = {
    "type": "object",
    "description": "forwarded as sent (multipart), only `model` renamed to the deployment's",
    "properties": {
        "model": {"type": "string"},
        "file": {"type": "string", "contentMediaType": "application/octet-stream"},
        "language": {"type": "string"},
        "response_format": {"type": "string"},
        "stream": {"type": "string"},
    },
    "required": ["model", "file"],
}
# Anthropic's Messages API (docs/anthropic.md): the request as Anthropic documents it, in brief.
MESSAGES_REQUEST = {
    "type": "object",
    "properties": {
        "model": {"type": "string", "minLength": 1},
        "messages": {"type": "array", "items": {"type": "object"}},
        "system": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "object"}}]},
        "max_tokens": {"type": "integer", "minimum": 1},
        "stream": {"type": ["boolean", "null"]},
        "stop_sequences": {"type": "array", "items": {"type": "string"}},
        "temperature": {"type": "number"},
        "top_p": {"type": "number"},
        "tools": {"type": "array", "items": {"type": "object"}},
        "tool_choice": {"type": "object"},
        "metadata": {"type": "object"},
    },
    "required": ["model", "messages", "max_tokens"],
}
COUNT_TOKENS_REQUEST = {
    "type": "object",
    "properties": {k: MESSAGES_REQUEST["properties"][k] for k in ("model", "messages", "system", "tools")},
    "required": ["model", "messages"],
}
ANTHROPIC_MESSAGE = {"type": "object", "description": "Anthropic's Message object (or count_tokens' answer)"}
ANTHROPIC_ERROR = {
    "type": "object",
    "properties": {
        "type": {"const": "error"},
        "error": {
            "type": "object",
            "properties": {"type": {"type": "string"}, "message": {"type": "string"}},
            "required": ["type", "message"],
        },
    },
    "required": ["type", "error"],
}
OPENAI_RESPONSE = {
    "type": "object",
    "description": "OpenAI's response object, as the upstream (or mock_response) produced it",
}

ERROR = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "message": {"type": "string"},
                "type": {"type": "string"},
                "param": {"type": ["string", "null"]},
                "code": {"type": "string", "pattern": "^[1-5][0-9][0-9]$"},
            },
            "required": ["message", "type", "param", "code"],
        }
    },
    "required": ["error"],
}

COMPONENTS: dict[str, dict[str, Any]] = {
    "Error": ERROR,
    "KeyView": KEY_VIEW,
    "KeyWithSecret": {
        "allOf": [{"$ref": "#/components/schemas/KeyView"}],
        "properties": {
            "key": {"type": "string", "pattern": "^sk-"},
            "duration": {"type": ["string", "null"]},
            "updated_by": {"type": ["string", "null"]},
        },
        "required": ["key"],
    },
    **KEY_COMPONENTS,
    "ChatCompletionRequest": CHAT_REQUEST,
    "CompletionRequest": COMPLETION_REQUEST,
    "EmbeddingRequest": EMBEDDING_REQUEST,
    "ImageGenerationRequest": IMAGE_REQUEST,
    "SpeechRequest": SPEECH_REQUEST,
    "ModerationRequest": MODERATION_REQUEST,
    "ResponsesRequest": RESPONSES_REQUEST,
    "TranscriptionForm": TRANSCRIPTION_FORM,
    "OpenAIResponse": OPENAI_RESPONSE,
    "MessagesRequest": MESSAGES_REQUEST,
    "CountTokensRequest": COUNT_TOKENS_REQUEST,
    "AnthropicMessage": ANTHROPIC_MESSAGE,
    "AnthropicError": ANTHROPIC_ERROR,
}
