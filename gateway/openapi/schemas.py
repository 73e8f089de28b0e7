"""JSON Schemas (OpenAPI 3.1 / JSON Schema 2020-12) of the bodies the gateway reads and writes.

Request schemas say what the gateway itself checks (API.md §5 for keys: LiteLLM's field names,
the gateway's limits); OpenAI request fields the gateway passes through untouched are listed
with their types but not constrained further, since the upstream is what judges them.
"""

from __future__ import annotations

from typing import Any

from ..keys.fields import GENERATE, REGENERATE, SETTINGS, UPDATE

MAX_TEXT = 255  # keys/fields.py opt_str
MAX_INT = 2**31 - 1  # keys/fields.py opt_count
DURATION = r"^[0-9]{1,6}(s|m|h|d|w|mo)$"  # gateway/durations.py


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


TEXT = {"type": "string", "minLength": 1, "maxLength": MAX_TEXT}
NAMES = {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 100}, "maxItems": 20}
DURATION_S = nullable({"type": "string", "pattern": DURATION})
COUNT = nullable({"type": "integer", "minimum": 0, "maximum": MAX_INT})
CUSTOM_KEY = {"type": "string", "pattern": "^sk-[!-~]{13,253}$", "description": "sk- then 13-253 printable"}
KEY_REF = {
    "type": "string",
    "minLength": 1,
    "maxLength": 256,
    "description": "a key (sk-...) or its SHA-256 hash (64 hex digits)",
}

# The schema of each `/key/*` field, by the validators' names in keys/fields.py.
_FIELDS: dict[str, dict[str, Any]] = {
    "models": nullable(NAMES),
    "metadata": nullable({"type": "object", "maxProperties": 10}),
    "key_alias": nullable(TEXT),
    "duration": DURATION_S,
    "user_id": nullable(TEXT),
    "team_id": nullable(TEXT),
    "max_budget": nullable({"type": "number", "minimum": 0, "maximum": 1e12}),
    "budget_duration": DURATION_S,
    "rpm_limit": COUNT,
    "tpm_limit": COUNT,
    "max_parallel_requests": COUNT,
    "allowed_routes": nullable(NAMES),
    "blocked": {"type": "boolean"},
    "auto_rotate": {"type": "boolean"},
    "rotation_interval": DURATION_S,
    "grace_period": nullable({"type": "string", "pattern": DURATION}),
    "new_key": nullable(CUSTOM_KEY),
}


def _key_body(spec: dict[str, Any], key: dict[str, Any], required: tuple[str, ...]) -> dict[str, Any]:
    props = {name: _FIELDS[name] for name in spec if name != "key"}
    return {
        "type": "object",
        "properties": {"key": key, **props},
        "required": list(required),
        "additionalProperties": False,  # an unknown field is a 400 naming it
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
        "status": {"enum": ["active", "expired", "blocked"]},
    },
    "required": ["token", "key_name", "models", "status"],
}

MESSAGE = {
    "type": "object",
    "properties": {
        "role": {"enum": ["system", "developer", "user", "assistant", "tool"]},
        "content": {
            "anyOf": [
                {"type": "string", "maxLength": 2000},
                {"type": "array", "maxItems": 5, "items": {"type": "object"}},
                {"type": "null"},
            ]
        },
        "name": {"type": "string", "maxLength": 64},
    },
    "required": ["role"],
}

_OPENAI_COMMON = {
    "model": {"type": "string", "minLength": 1, "maxLength": 100},
    "stream": {"type": ["boolean", "null"]},
    "stream_options": {"type": "object", "properties": {"include_usage": {"type": "boolean"}}},
    "user": {"type": "string", "maxLength": 100},
    "metadata": {"type": "object", "maxProperties": 10},
    # Client-side credentials (API.md §8): refused unless the deployment allows them.
    "api_key": {"type": "string", "maxLength": 200},
    "api_base": {"type": "string", "maxLength": 200},
    "api_version": {"type": "string", "maxLength": 64},
}

CHAT_REQUEST = {
    "type": "object",
    "properties": {
        **_OPENAI_COMMON,
        "messages": {"type": "array", "items": MESSAGE, "maxItems": 10},
        "temperature": {"type": "number"},
        "top_p": {"type": "number"},
        "n": {"type": "integer"},
        "max_tokens": {"type": "integer"},
        "max_completion_tokens": {"type": "integer"},
        "stop": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "tools": {"type": "array", "items": {"type": "object"}, "maxItems": 5},
    },
    "required": ["model", "messages"],
}
COMPLETION_REQUEST = {
    "type": "object",
    "properties": {
        **_OPENAI_COMMON,
        "prompt": {"anyOf": [{"type": "string", "maxLength": 2000}, {"type": "array", "maxItems": 5}]},
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
                {"type": "string", "maxLength": 2000},
                {"type": "array", "maxItems": 5, "items": {"type": "string", "maxLength": 200}},
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
        "properties": {"key": {"type": "string", "pattern": "^sk-"}},
        "required": ["key"],
    },
    "KeyGenerateRequest": _key_body(GENERATE, nullable(CUSTOM_KEY), ()),
    "KeyUpdateRequest": _key_body(UPDATE, KEY_REF, ("key",)),
    "KeyRegenerateRequest": _key_body(REGENERATE, KEY_REF, ("key",)),
    "KeyRegeneratePathRequest": {
        "type": "object",
        "properties": {name: _FIELDS[name] for name in REGENERATE if name != "key"},
        "additionalProperties": False,
    },
    "KeyRef": {
        "type": "object",
        "properties": {"key": KEY_REF},
        "required": ["key"],
        "additionalProperties": False,
    },
    "KeyDeleteRequest": {
        "type": "object",
        "properties": {
            "keys": {"type": "array", "items": KEY_REF, "maxItems": 10},
            "key_aliases": {"type": "array", "items": TEXT, "maxItems": 10},
        },
        "additionalProperties": False,
    },
    "ChatCompletionRequest": CHAT_REQUEST,
    "CompletionRequest": COMPLETION_REQUEST,
    "EmbeddingRequest": EMBEDDING_REQUEST,
    "ImageGenerationRequest": IMAGE_REQUEST,
    "SpeechRequest": SPEECH_REQUEST,
    "ModerationRequest": MODERATION_REQUEST,
    "ResponsesRequest": RESPONSES_REQUEST,
    "TranscriptionForm": TRANSCRIPTION_FORM,
    "OpenAIResponse": OPENAI_RESPONSE,
}

assert set(SETTINGS) <= set(_FIELDS), "every /key/* setting has a schema"
