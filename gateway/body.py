"""Reading a request body once, with a hard size limit (Werkzeug truncates chunked bodies silently),
and never reading the rest of a body the gateway refused: the connection is ended instead."""

from __future__ import annotations

import contextlib
import socket
import time
from typing import Any

import orjson
from flask import Flask, Request, Response, current_app, request

from .errors import BadRequest, PayloadTooLarge

TOO_LARGE = "Request body is larger than the gateway accepts ({limit} bytes)."
READ = "gateway.body_read"  # environ flag: the body was read to its end
# An unread body up to this size is left for the server to skip (the connection is kept alive);
# a larger one, or one of unknown size (chunked), ends the connection after the response.
DRAIN_LIMIT = 64 * 1024
# Lingering close, as nginx does: what the client still sends is discarded for a moment, so a
# client that reads while it writes gets the answer, not a reset; then reading stops.
LINGER_SECONDS = 1.0
LINGER_BYTES = 1024 * 1024


def read_body(request: Request) -> bytes:
    """The whole body; 413 before reading when Content-Length is too big, or as soon as a
    chunked body passes the limit."""
    limit: int = current_app.config["MAX_CONTENT_LENGTH"]
    length = request.content_length
    if length is not None:
        if length > limit:
            raise PayloadTooLarge(TOO_LARGE.format(limit=limit))
        data = request.get_data(cache=False)
        request.environ[READ] = True
        return data
    environ = request.environ
    if not environ.get("wsgi.input_terminated"):
        return b""  # no length and a server that does not frame the body: nothing safe to read
    stream = environ["wsgi.input"]
    parts: list[bytes] = []
    total = 0
    while True:
        part = stream.read(min(65536, limit + 1 - total))
        if not part:
            environ[READ] = True
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


def _unread_body_left(environ: dict[str, Any]) -> bool:
    if environ.get(READ):
        return False
    length = environ.get("CONTENT_LENGTH")
    if length:
        return not length.isdigit() or int(length) > DRAIN_LIMIT
    return "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()


def _end_connection(sock: socket.socket) -> None:
    """After the response went out: FIN, a bounded lingering read, then no more reading, so
    gunicorn finds the end of input and closes instead of draining a body of any size."""
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_WR)
        deadline, drained = time.monotonic() + LINGER_SECONDS, 0
        while drained < LINGER_BYTES and (left := deadline - time.monotonic()) > 0:
            sock.settimeout(left)
            data = sock.recv(65536)
            if not data:
                break
            drained += len(data)
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RD)


def _refuse_unread_rest(response: Response) -> Response:
    environ = request.environ
    sock = environ.get("gunicorn.socket")  # under other servers (tests' client) there is none
    if sock is not None and _unread_body_left(environ):
        response.call_on_close(lambda: _end_connection(sock))
    return response


def init_app(app: Flask) -> None:
    app.after_request(_refuse_unread_rest)
