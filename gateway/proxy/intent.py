"""The request body, read once and parsed once: which model, streamed or not."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Request

from ..body import read_json_object
from ..errors import BadRequest


@dataclass(frozen=True, slots=True)
class RequestIntent:
    path: str
    op: str  # chat/completions | completions | embeddings
    model: str
    stream: bool
    body: dict[str, Any] = field(repr=False)
    raw: bytes = field(repr=False)


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
    return RequestIntent(path=path, op=op_for(path), model=model, stream=stream, body=body, raw=raw)
