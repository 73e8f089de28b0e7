"""Reading a request body once, with a hard size limit (Werkzeug truncates chunked bodies silently)."""

from __future__ import annotations

from typing import Any

import orjson
from flask import Request, current_app

from .errors import BadRequest, PayloadTooLarge

TOO_LARGE = "Request body is larger than the gateway accepts ({limit} bytes)."


def read_body(request: Request) -> bytes:
    """The whole body; 413 before reading when Content-Length is too big, or as soon as a
    chunked body passes the limit."""
    limit: int = current_app.config["MAX_CONTENT_LENGTH"]
    length = request.content_length
    if length is not None:
        if length > limit:
            raise PayloadTooLarge(TOO_LARGE.format(limit=limit))
        return request.get_data(cache=False)
    environ = request.environ
    if not environ.get("wsgi.input_terminated"):
        return b""  # no length and a server that does not frame the body: nothing safe to read
    stream = environ["wsgi.input"]
    parts: list[bytes] = []
    total = 0
    while True:
        part = stream.read(min(65536, limit + 1 - total))
        if not part:
            return b"".join(parts)
        total += len(part)
        if total > limit:
            raise PayloadTooLarge(TOO_LARGE.format(limit=limit))
        parts.append(part)


def read_json_object(request: Request) -> tuple[dict[str, Any], bytes]:
    """The body as a JSON object (and its bytes); 400 for anything else."""
    raw = read_body(request)
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"Malformed JSON body: {exc.msg} at position {exc.pos}.") from None
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    return body, raw
