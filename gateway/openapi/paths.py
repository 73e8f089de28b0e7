"""Every route of the gateway as an OpenAPI operation: parameters, bodies, and each status it answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from ..admin.params import KeyInfoQuery, KeyListQuery, SpendLogsQuery, UsageDailyQuery
from . import directory
from .directory_paths import directory_paths
from .schemas import KEY_REF, TEXT, value_schema

JSON = "application/json"
REF = "#/components/schemas/"

# What each status means here (API.md §9); every error body is the Error envelope.
STATUS_TEXT = {
    400: "Malformed JSON, a bad or unknown field, an unknown model",
    401: "No key, a malformed header, an unknown, blocked or expired key",
    403: "Route or model not allowed for this caller",
    404: "Key not found",
    408: "Body not sent within GATEWAY_BODY_TIMEOUT (the connection is then closed)",
    413: "Body larger than max_request_size_mb",
    429: "Rate, parallel or budget limit reached (Retry-After)",
    502: "Upstream unreachable or broken",
    503: "Database and cache unavailable for an uncached key, or the identity provider is down",
    504: "Upstream timed out",
}


def _json(schema: str | dict[str, Any]) -> dict[str, Any]:
    s = {"$ref": REF + schema} if isinstance(schema, str) else schema
    return {"content": {JSON: {"schema": s}}}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): {"description": STATUS_TEXT[c], **_json("Error")} for c in codes}


AUTHED = (400, 401, 403, 408, 413, 429, 503)  # any authenticated route: the chain, limits, the body
PROXIED = (*AUTHED, 502, 504)
ADMIN = (*AUTHED, 404)


def _op(summary: str, tag: str, ok: dict[str, Any], errors: tuple[int, ...], **extra: Any) -> dict[str, Any]:
    return {"summary": summary, "tags": [tag], "responses": {**ok, **_errors(*errors)}, **extra}


def _ok(schema: str | dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"200": {"description": description, **_json(schema)}}


def _body(schema: str) -> dict[str, Any]:
    return {"requestBody": {"required": True, **_json(schema)}}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _on_the_wire(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent or sent: the model's `null` (absent) is no value a client sends."""
    options = [s for s in schema.get("anyOf", []) if s != {"type": "null"}]
    if len(options) != 1:
        return schema
    rest = {k: v for k, v in schema.items() if k != "anyOf"}
    return {**options[0], **rest}


def query_parameters(model: type[BaseModel], about: Mapping[str, str]) -> list[dict[str, Any]]:
    """A route's query parameters from the model that reads them (admin/params.py): the same
    types and bounds, the field's rule as the schema's description; `about` says what each is
    for and must name every field (a KeyError here is a parameter left undocumented)."""
    props = value_schema(model)["properties"]
    return [_query(name, _on_the_wire(schema), about[name]) for name, schema in props.items()]


def _openai(op: str, request: str, streams: bool) -> dict[str, Any]:
    ok: dict[str, Any] = {
        "description": "The upstream's answer (or mock_response's)",
        **_json("OpenAIResponse"),
    }
    if streams:
        ok["content"]["text/event-stream"] = {
            # One server-sent event (its `data` a JSON chunk, or `[DONE]` last), relayed as it arrives.
            "schema": {
                "type": "object",
                "properties": {"data": {"type": "string"}, "event": {"type": "string"}},
                "required": ["data"],
            },
            "description": "with `stream: true`: server-sent events ending with `data: [DONE]`",
        }
    return _op(f"OpenAI-compatible {op}", "client", {"200": ok}, PROXIED, **_body(request))


def _messages(summary: str, request: str, streams: bool) -> dict[str, Any]:
    """A Messages API route: Anthropic's bodies, and its error envelope for every error."""
    ok: dict[str, Any] = {"description": "The answer, in Anthropic's format", **_json("AnthropicMessage")}
    if streams:
        ok["content"]["text/event-stream"] = {
            "schema": {
                "type": "object",
                "properties": {"event": {"type": "string"}, "data": {"type": "string"}},
            },
            "description": "with `stream: true`: Anthropic's events, message_start to message_stop",
        }
    errors = {str(c): {"description": STATUS_TEXT[c], **_json("AnthropicError")} for c in PROXIED}
    return {"summary": summary, "tags": ["anthropic"], "responses": {"200": ok, **errors}, **_body(request)}


def _speech() -> dict[str, Any]:
    audio = {"description": "The audio, as the upstream sent it", "content": {"audio/*": {"schema": {}}}}
    return _op(
        "OpenAI-compatible text to speech", "client", {"200": audio}, PROXIED, **_body("SpeechRequest")
    )


def _transcription() -> dict[str, Any]:
    op = _openai("audio transcription", "TranscriptionForm", True)
    form = {"multipart/form-data": {"schema": {"$ref": REF + "TranscriptionForm"}}}
    return {**op, "requestBody": {"required": True, "content": form}}


def _models() -> dict[str, Any]:
    model = {
        "type": "object",
        "properties": {"id": {"type": "string"}, "object": {"const": "model"}},
        "required": ["id", "object"],
    }
    listing = {
        "type": "object",
        "properties": {"object": {"const": "list"}, "data": {"type": "array", "items": model}},
        "required": ["object", "data"],
    }
    return _op("Models this caller may use", "client", _ok(listing), AUTHED)


KEY_LIST = {
    "type": "object",
    "properties": {
        "keys": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"$ref": REF + "KeyView"}]}},
        "total_count": {"type": "integer", "minimum": 0},
        "current_page": {"type": "integer", "minimum": 1},
        "total_pages": {"type": "integer", "minimum": 0},
    },
    "required": ["keys", "total_count", "current_page", "total_pages"],
}
USAGE = {
    "type": "object",
    "properties": {
        "start": {"type": "string", "format": "date"},
        "end": {"type": "string", "format": "date"},
        "data": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["start", "end", "data"],
}
KEY_HEALTH = {
    "type": "object",
    "properties": {
        "key": {"enum": ["healthy", "unhealthy"]},
        "logging_callbacks": {
            "anyOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "properties": {
                        "callbacks": {"type": "array", "items": {"type": "string"}},
                        "status": {"enum": ["healthy", "unhealthy"]},
                        "details": {"type": "string"},
                    },
                    "required": ["callbacks", "status", "details"],
                },
            ]
        },
    },
    "required": ["key", "logging_callbacks"],
}


def _key_ops() -> dict[str, Any]:
    admin = "keys"
    return {
        "/key/generate": {
            "post": _op(
                "Create a virtual key", admin, _ok("KeyWithSecret"), ADMIN, **_body("KeyGenerateRequest")
            )
        },
        "/key/update": {
            "post": _op("Change a key's settings", admin, _ok("KeyView"), ADMIN, **_body("KeyUpdateRequest"))
        },
        "/key/delete": {
            "post": _op(
                "Delete keys by key or alias",
                admin,
                _ok(
                    {
                        "type": "object",
                        "properties": {
                            "deleted_keys": {
                                "type": "array",
                                "items": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                                "description": "the hashes of the deleted keys, never a plaintext",
                            }
                        },
                        "required": ["deleted_keys"],
                    }
                ),
                ADMIN,
                **_body("KeyDeleteRequest"),
            )
        },
        "/key/block": {"post": _op("Block a key", admin, _ok("KeyView"), ADMIN, **_body("KeyRef"))},
        "/key/unblock": {"post": _op("Unblock a key", admin, _ok("KeyView"), ADMIN, **_body("KeyRef"))},
        "/key/regenerate": {
            "post": _op(
                "A new secret for a key; the old one lives on for grace_period",
                admin,
                _ok("KeyWithSecret"),
                ADMIN,
                **_body("KeyRegenerateRequest"),
            )
        },
        "/key/{key}/regenerate": {
            "post": _op(
                "The same, with the key in the path",
                admin,
                _ok("KeyWithSecret"),
                ADMIN,
                parameters=[{"name": "key", "in": "path", "required": True, "schema": KEY_REF}],
                requestBody={"required": False, **_json("KeyRegeneratePathRequest")},
            )
        },
        "/key/info": {
            "get": _op(
                "A key's settings and status (default: the caller's own key)",
                admin,
                _ok(
                    {
                        "type": "object",
                        "properties": {"key": {"type": "string"}, "info": {"$ref": REF + "KeyView"}},
                        "required": ["key", "info"],
                    }
                ),
                ADMIN,
                parameters=query_parameters(KeyInfoQuery, {"key": "a key or its hash"}),
            )
        },
        "/key/health": {
            method: _op(
                "The calling key's logging callbacks (LiteLLM's; none run here)",
                admin,
                _ok(KEY_HEALTH),
                AUTHED,
            )
            for method in ("get", "post")
        },
        "/key/list": {
            "get": _op(
                "Keys, newest first, a page at a time",
                admin,
                _ok(KEY_LIST),
                AUTHED,
                parameters=query_parameters(
                    KeyListQuery,
                    {
                        "page": "from 1",
                        "size": "keys per page",
                        "user_id": "only this user's keys",
                        "team_id": "only this team's keys",
                        "key_alias": "only the key with this alias",
                        "return_full_object": "key objects, not hashes",
                    },
                ),
            )
        },
        "/usage/daily": {
            "get": _op(
                "Daily usage roll-up: admins any key, a key its own",
                admin,
                _ok(USAGE),
                AUTHED,
                parameters=query_parameters(
                    UsageDailyQuery,
                    {
                        "key": "a key or its hash",
                        "start": "first day (default: 30 days before end)",
                        "end": "last day (default: today)",
                        "group_by": "per day and model, per team_id, user_id, organization_id or end_user",
                    },
                ),
            )
        },
    }


def _model_info() -> dict[str, Any]:
    deployment = {
        "type": "object",
        "properties": {
            "model_name": {"type": "string"},
            "litellm_params": {"type": "object", "description": "as configured, without api_key"},
            "model_info": {"type": "object"},
        },
        "required": ["model_name", "litellm_params", "model_info"],
    }
    listing = {
        "type": "object",
        "properties": {"data": {"type": "array", "items": deployment}},
        "required": ["data"],
    }
    return _op(
        "Deployments this caller may use, without secrets (LiteLLM's /model/info)",
        "client",
        _ok(listing),
        AUTHED,
        parameters=[_query("litellm_model_id", TEXT, "only this deployment (model_info.id)")],
    )


def _info_ops() -> dict[str, Any]:
    endpoints = {"type": "array", "items": {"type": "object"}}
    health = {
        "type": "object",
        "properties": {
            "healthy_endpoints": endpoints,
            "unhealthy_endpoints": endpoints,
            "healthy_count": {"type": "integer", "minimum": 0},
            "unhealthy_count": {"type": "integer", "minimum": 0},
        },
        "required": ["healthy_endpoints", "unhealthy_endpoints", "healthy_count", "unhealthy_count"],
    }
    return {
        "/health": {
            "get": _op(
                "Which deployments answer (GET {api_base}/models each: no billed call)",
                "health",
                _ok(health),
                AUTHED,
                parameters=[_query("model", TEXT, "only this model's deployments")],
            )
        },
        "/spend/logs": {
            "get": _op(
                "One row per request, or per day with start_date and end_date: admins any, others their own",
                "keys",
                _ok({"type": "array", "items": {"type": "object"}}),
                AUTHED,
                parameters=query_parameters(
                    SpendLogsQuery,
                    {
                        "request_id": "one request (its X-Request-Id)",
                        "api_key": "a key or its hash",
                        "user_id": "one user's requests",
                        "team_id": "one team's requests (others than admins: their own team only)",
                        "end_user": "one customer's requests (the body's `user`)",
                        "start_date": "from this day (UTC)",
                        "end_date": "to this day, inclusive",
                    },
                ),
            )
        },
    }


def _public() -> dict[str, Any]:
    alive = {"type": "object", "properties": {"status": {"const": "alive"}}, "required": ["status"]}
    ready = {
        "type": "object",
        "properties": {
            "status": {"const": "ready"},
            "database": {"type": "string"},
            "redis": {"type": "string"},
            "warnings": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["status"],
    }
    public = {"security": []}
    liveliness = _op("The process answers", "health", _ok(alive), (), **public)
    return {
        "/health/liveliness": {"get": liveliness},
        "/health/liveness": {"get": {**liveliness, "summary": "Alias of /health/liveliness"}},
        "/health/readiness": {
            "get": _op("Database and Redis answer", "health", _ok(ready), (503,), **public)
        },
        "/openapi.json": {
            "get": _op("This document", "meta", _ok({"type": "object"}, "OpenAPI 3.1 document"), (), **public)
        },
    }


def _metrics(require_auth: bool) -> dict[str, Any]:
    text = {
        "200": {
            "description": "Prometheus text format",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    }
    if require_auth:
        return {
            "get": _op("Prometheus metrics (proxy admins and keys allowed /metrics)", "meta", text, AUTHED)
        }
    return {"get": _op("Prometheus metrics (public, as in LiteLLM)", "meta", text, (), security=[])}


def paths(require_metrics_auth: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for prefix in ("", "/v1"):
        out[f"{prefix}/chat/completions"] = {
            "post": _openai("chat completion", "ChatCompletionRequest", True)
        }
        out[f"{prefix}/completions"] = {"post": _openai("text completion", "CompletionRequest", True)}
        out[f"{prefix}/embeddings"] = {"post": _openai("embeddings", "EmbeddingRequest", False)}
        out[f"{prefix}/models"] = {"get": _models()}
        out[f"{prefix}/images/generations"] = {
            "post": _openai("image generation", "ImageGenerationRequest", True)
        }
        out[f"{prefix}/audio/speech"] = {"post": _speech()}
        out[f"{prefix}/audio/transcriptions"] = {"post": _transcription()}
        out[f"{prefix}/moderations"] = {"post": _openai("moderation", "ModerationRequest", False)}
        out[f"{prefix}/responses"] = {"post": _openai("Responses API", "ResponsesRequest", True)}
        out[f"{prefix}/messages"] = {"post": _messages("Anthropic Messages API", "MessagesRequest", True)}
        out[f"{prefix}/messages/count_tokens"] = {
            "post": _messages("Anthropic token count", "CountTokensRequest", False)
        }
        out[f"{prefix}/model/info"] = {"get": _model_info()}
    out.update(_key_ops())
    out.update(directory.operations(_op, _ok, _body, ADMIN))
    out.update(_info_ops())
    out.update(directory_paths(_errors(*ADMIN)))
    out.update(_public())
    out["/metrics"] = _metrics(require_metrics_auth)
    return out
