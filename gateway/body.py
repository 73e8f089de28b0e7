"""Reading a request body once, with a hard size limit (Werkzeug truncates chunked bodies silently)
and a deadline (a client trickling its body must not hold a worker's connection slot), and never
reading the rest of a body the gateway refused: the connection is ended instead."""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import gevent
import orjson
from flask import Flask, Request, Response, current_app, request
from gevent import monkey
from gunicorn.http.errors import ParseException

from .errors import BadRequest, PayloadTooLarge, RequestTimeout
from .settings import ConfigError

TOO_LARGE = "Request body is larger than the gateway accepts ({limit} bytes)."
TOO_SLOW = "The request body did not arrive within {seconds:g} s."
READ = "gateway.body_read"  # environ flag: the body was read to its end
FAILED = "gateway.body_failed"  # environ flag: reading stopped mid-body; the connection must end
BODY_TIMEOUT_ENV = "GATEWAY_BODY_TIMEOUT"
BODY_TIMEOUT_DEFAULT = 60.0
# An unread body up to this size is left for the server to skip (the connection is kept alive);
# a larger one, or one of unknown size (chunked), ends the connection after the response.
DRAIN_LIMIT = 64 * 1024
# Lingering close, as nginx does: what the client still sends is discarded for a moment, so a
# client that reads while it writes gets the answer, not a reset; then reading stops.
LINGER_SECONDS = 1.0
LINGER_BYTES = 1024 * 1024


def read_body(request: Request) -> bytes:
    """The whole body; 413 before reading when Content-Length is too big, or as soon as a
    chunked body passes the limit; 408 when it takes longer than GATEWAY_BODY_TIMEOUT; 400 for
    a chunked body that breaks its framing."""
    limit: int = current_app.config["MAX_CONTENT_LENGTH"]
    length = request.content_length
    if length is not None and length > limit:
        raise PayloadTooLarge(TOO_LARGE.format(limit=limit))
    environ = request.environ
    if length is None and not environ.get("wsgi.input_terminated"):
        return b""  # no length and a server that does not frame the body: nothing safe to read
    with _reading(environ):
        if length is not None:
            data = request.get_data(cache=False)
        else:
            data = _read_chunked(environ["wsgi.input"], limit)
    environ[READ] = True
    return data


@contextlib.contextmanager
def _reading(environ: dict[str, Any]) -> Iterator[None]:
    """One deadline for the whole body, not per read: a byte every few seconds passes any
    per-read timeout. Only under gunicorn's gevent worker, where a Timeout can interrupt the
    socket read (the tests' in-process client has no socket to wait on)."""
    seconds: float = current_app.config["BODY_TIMEOUT"]
    bounded = environ.get("gunicorn.socket") is not None and monkey.is_module_patched("socket")
    try:
        with (
            gevent.Timeout(seconds, RequestTimeout(TOO_SLOW.format(seconds=seconds)))
            if bounded
            else _NO_DEADLINE
        ):
            yield
    except RequestTimeout:
        environ[FAILED] = True
        raise
    except ParseException as exc:  # gunicorn's chunk framing errors: a client error, not a 500
        environ[FAILED] = True
        raise BadRequest(f"Malformed chunked request body: {type(exc).__name__}.") from None
    except OSError:  # gunicorn's NoMoreData, a reset: the client left mid-body
        environ[FAILED] = True
        raise BadRequest("The request body ended before it was complete.") from None


_NO_DEADLINE = contextlib.nullcontext()


def _read_chunked(stream: Any, limit: int) -> bytes:
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
    """The body as a JSON object (and its bytes); 400 for anything else, duplicate keys included."""
    raw = read_body(request)
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"Malformed JSON body: {exc.msg} at position {exc.pos}.") from None
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    refuse_duplicate_keys(raw)
    return body, raw


class _Duplicate(Exception):
    pass


def _check_pairs(pairs: list[tuple[str, Any]]) -> None:
    if len(pairs) > 1 and len({name for name, _ in pairs}) != len(pairs):
        seen: set[str] = set()
        for name, _ in pairs:
            if name in seen:
                raise _Duplicate(name)
            seen.add(name)


def refuse_duplicate_keys(raw: bytes) -> None:
    """400 naming the key when an object of the body, at any depth, has a key twice: the gateway
    would authorize one value (orjson keeps the last) while the raw bytes, both values, go
    upstream, whose parser may keep the first. orjson cannot report duplicates, so the stdlib's
    C scanner runs over the (already valid) bytes once more, building nothing but key sets."""
    try:
        json.loads(raw, object_pairs_hook=_check_pairs)
    except _Duplicate as exc:
        name = exc.args[0][:100]  # client text: echoed, but not a megabyte of it
        raise BadRequest(f"Duplicate key `{name}` in the JSON body.", param=name) from None
    except (ValueError, RecursionError):  # what orjson took but the stdlib will not: depth ~1000
        raise BadRequest("Malformed JSON body: nested too deeply.") from None


def _unread_body_left(environ: dict[str, Any]) -> bool:
    if environ.get(FAILED):
        return True  # where the next request would start is unknown
    if environ.get(READ):
        return False
    length = environ.get("CONTENT_LENGTH")
    if length:
        return not (length.isascii() and length.isdigit()) or int(length) > DRAIN_LIMIT
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


def body_timeout(environ: dict[str, str]) -> float:
    """GATEWAY_BODY_TIMEOUT: seconds a client has to send its whole body; a config error otherwise."""
    raw = environ.get(BODY_TIMEOUT_ENV)
    if raw is None:
        return BODY_TIMEOUT_DEFAULT
    try:
        seconds = float(raw)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < float("inf"):
        raise ConfigError(
            "environment", BODY_TIMEOUT_ENV, f"must be a positive number of seconds, not {raw!r}"
        )
    return seconds


def init_app(app: Flask) -> None:
    # BODY_TIMEOUT is set by create_app from validate_config, which read GATEWAY_BODY_TIMEOUT once.
    app.after_request(_refuse_unread_rest)
