"""JSON Schemas (OpenAPI 3.1 / JSON Schema 2020-12) of the bodies the gateway reads and writes.

Request schemas say what the gateway itself checks (API.md §5 for keys: LiteLLM's field names,
the gateway's limits); OpenAI request fields the gateway passes through untouched are listed
with their types but not constrained further, since the upstream is what judges them.
"""

from __future__ import annotations

from typing import Any

from ..keys.fields import GENERATE, NOT_ENFORCED, REGENERATE, UPDATE
from ..keys.shapes import OBJECT_PERMISSION_LISTS

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
# LiteLLM's other key settings: stored and echoed, not enforced (keys/fields.py NOT_ENFORCED).
AMOUNT = nullable({"type": "number", "minimum": 0, "maximum": 1e12})
PER_MODEL_COUNT = nullable(
    {
        "type": "object",
        "additionalProperties": {"type": "integer", "minimum": 0, "maximum": MAX_INT},
        "maxProperties": 5,
    }
)
BUDGET_CONFIG = {
    "type": "object",
    "properties": {
        "budget_limit": {"type": "number", "minimum": 0, "maximum": 1e12},
        "time_period": DURATION_S,
        "rpm_limit": COUNT,
        "tpm_limit": COUNT,
    },
    "required": ["budget_limit"],
    "additionalProperties": False,
    "description": "LiteLLM's BudgetConfig; `max_budget` and `budget_duration` are accepted as the same",
}
OBJECT = nullable({"type": "object", "maxProperties": 10})
NULLABLE_NAMES = nullable(NAMES)
_FIELDS.update(
    {
        "organization_id": nullable(TEXT),
        "project_id": nullable(TEXT),
        "agent_id": nullable(TEXT),
        "budget_id": nullable(TEXT),
        "soft_budget": AMOUNT,
        "spend": AMOUNT,
        "model_max_budget": nullable(
            {
                "type": "object",
                "additionalProperties": {
                    "anyOf": [{"type": "number", "minimum": 0, "maximum": 1e12}, BUDGET_CONFIG]
                },
                "maxProperties": 5,
            }
        ),
        "model_rpm_limit": PER_MODEL_COUNT,
        "model_tpm_limit": PER_MODEL_COUNT,
        "aliases": nullable(
            {
                "type": "object",
                "additionalProperties": TEXT,
                "propertyNames": {"minLength": 1},
                "maxProperties": 5,
            }
        ),
        "permissions": OBJECT,
        "config": OBJECT,
        "router_settings": OBJECT,
        "allowed_cache_controls": nullable(NAMES),
        "tags": NULLABLE_NAMES,
        "guardrails": NULLABLE_NAMES,
        "policies": NULLABLE_NAMES,
        "prompts": NULLABLE_NAMES,
        "enforced_params": NULLABLE_NAMES,
        "allowed_passthrough_routes": NULLABLE_NAMES,
        "access_group_ids": NULLABLE_NAMES,
        "allowed_vector_store_indexes": nullable(
            {
                "type": "array",
                "maxItems": 5,
                "items": {
                    "type": "object",
                    "properties": {
                        "index_name": TEXT,
                        "index_permissions": {"type": "array", "items": {"enum": ["read", "write"]}},
                    },
                    "required": ["index_name", "index_permissions"],
                    "additionalProperties": False,
                },
            }
        ),
        "rpm_limit_type": nullable({"enum": ["guaranteed_throughput", "best_effort_throughput", "dynamic"]}),
        "tpm_limit_type": nullable({"enum": ["guaranteed_throughput", "best_effort_throughput", "dynamic"]}),
        "object_permission": nullable(
            {
                "type": "object",
                "properties": {
                    **{name: NULLABLE_NAMES for name in sorted(OBJECT_PERMISSION_LISTS)},
                    "mcp_tool_permissions": nullable(
                        {"type": "object", "additionalProperties": NAMES, "maxProperties": 5}
                    ),
                },
                "additionalProperties": False,
            }
        ),
        "send_invite_email": nullable({"type": "boolean"}),
        "key_type": nullable({"enum": ["llm_api", "management", "read_only", "default"]}),
        "temp_budget_increase": AMOUNT,
        "temp_budget_expiry": nullable({"type": "string", "format": "date-time"}),
        "new_master_key": {"type": "null", "description": "refused: the master key comes from the settings"},
    }
)


LIMITS = {
    "maxProperties",
    "maxItems",
    "maxLength",
    "minLength",
    "pattern",
    "propertyNames",
    "maximum",
    "required",
}


def stored(schema: Any) -> Any:
    """A request field's schema without its bounds (set for fuzzing, or narrower than the
    validator, as BudgetConfig's one spelling): the shape a stored value is echoed in."""
    if isinstance(schema, dict):
        return {
            k: stored(v)
            for k, v in schema.items()
            if k not in LIMITS and not (k == "additionalProperties" and v is False)
        }
    if isinstance(schema, list):
        return [stored(x) for x in schema]
    return schema


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
        **{name: stored(_FIELDS[name]) for name in NOT_ENFORCED},
        "token_id": {"type": "string"},
        "litellm_budget_table": {"type": "null"},
        "not_enforced": {"type": "array", "items": {"enum": list(NOT_ENFORCED)}},
        "status": {"enum": ["active", "expired", "blocked"]},
    },
    "required": ["token", "key_name", "models", "status", "not_enforced", *NOT_ENFORCED],
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
        "properties": {
            "key": {"type": "string", "pattern": "^sk-"},
            "duration": {"type": ["string", "null"]},
            "updated_by": {"type": ["string", "null"]},
        },
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

assert set(GENERATE) | set(UPDATE) | set(REGENERATE) <= set(_FIELDS) | {"key"}, (
    "every /key/* field has a schema"
)
