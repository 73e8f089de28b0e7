"""The request body, read once and parsed once: which model, streamed or not."""

from __future__ import annotations

from dataclasses import replace

import orjson
from flask import Request

from ..body import read_json_object
from ..errors import BadRequest
from ..values import RequestIntent

# Streams that report usage only when asked (`stream_options`); the others (/responses) always
# end with it, and would refuse the unknown option.
USAGE_IN_STREAM = frozenset({"chat/completions", "completions"})


# The Messages API's own headers, passed on to an anthropic/ deployment as the client sent them.
PASSED_HEADERS = ("anthropic-version", "anthropic-beta")
MESSAGES_OPS = frozenset({"messages", "messages/count_tokens"})


def op_for(path: str) -> str:
    return path[4:] if path.startswith("/v1/") else path.lstrip("/")


def read_intent(request: Request) -> RequestIntent:
    """Parse the JSON body (size already bounded by MAX_CONTENT_LENGTH) into a RequestIntent."""
    body, raw = read_json_object(request)
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise BadRequest("`model` is required and must be a non-empty string.", param="model")
    stream = body.get("stream", False)
    if stream is None:
        stream = False
    if not isinstance(stream, bool):
        raise BadRequest("`stream` must be true or false.", param="stream")
    path = request.path
    op = op_for(path)
    headers: tuple[tuple[str, str], ...] = ()
    if op in MESSAGES_OPS:
        headers = tuple((n, v) for n in PASSED_HEADERS if (v := request.headers.get(n)))
    return RequestIntent(path=path, op=op, model=model, stream=stream, body=body, raw=raw, headers=headers)


def ask_for_usage(intent: RequestIntent) -> tuple[RequestIntent, bool]:
    """A stream the client did not ask usage for gets `stream_options.include_usage` anyway (the
    meter needs the tokens); True means the relay must hide that extra final chunk again."""
    if not intent.stream or intent.op not in USAGE_IN_STREAM:
        return intent, False
    options = intent.body.get("stream_options")
    if options is not None and not isinstance(options, dict):
        return intent, False  # malformed: the upstream answers it
    if options and options.get("include_usage") is True:
        return intent, False
    body = {**intent.body, "stream_options": {**(options or {}), "include_usage": True}}
    return replace(intent, body=body, raw=orjson.dumps(body)), True
