"""Upstream answers back to the client: JSON as is, SSE chunk by chunk, errors in one envelope."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import orjson
from flask import Response
from urllib3.exceptions import HTTPError, ReadTimeoutError
from urllib3.response import BaseHTTPResponse

from ..errors import envelope

log = logging.getLogger(__name__)

DONE = b"data: [DONE]\n\n"
STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def _error_body(status: int, data: bytes) -> bytes:
    """Upstream error bodies pass through when they are OpenAI-shaped; anything else is wrapped."""
    try:
        parsed = orjson.loads(data)
    except orjson.JSONDecodeError:
        parsed = None
    if isinstance(parsed, dict) and isinstance(parsed.get("error"), dict | str):
        return data
    text = data[:500].decode("utf-8", "replace").strip() or "no body"
    return envelope(f"Upstream answered {status}: {text}", "upstream_error", status)


def json_response(resp: BaseHTTPResponse) -> Response:
    data = resp.data
    if resp.status >= 400:
        return Response(_error_body(resp.status, data), status=resp.status, mimetype="application/json")
    return Response(
        data, status=resp.status, content_type=resp.headers.get("Content-Type", "application/json")
    )


def _chunks(resp: BaseHTTPResponse) -> Iterator[bytes]:
    if resp.chunked:
        yield from resp.read_chunked(decode_content=False)
        return
    while True:
        data = resp.read1(65536, decode_content=False)
        if not data:
            return
        yield data


def _relay(resp: BaseHTTPResponse) -> Iterator[bytes]:
    finished = False
    tail = b""
    try:
        for chunk in _chunks(resp):
            if chunk:
                tail = (tail + chunk)[-32:]
                yield chunk
        finished = True
        if b"[DONE]" not in tail:
            yield DONE
    except ReadTimeoutError:
        yield (b"data: " + envelope("The upstream stream stalled.", "upstream_error", 504) + b"\n\n" + DONE)
    except HTTPError as exc:
        log.warning("upstream stream broke: %s", type(exc).__name__)
        yield (b"data: " + envelope("The upstream stream broke.", "upstream_error", 502) + b"\n\n" + DONE)
    finally:
        # Runs on completion and when the client goes away (the server closes this generator):
        # an unfinished upstream response is closed, so the upstream sees the disconnect too.
        if not finished:
            resp.close()
        resp.release_conn()


def stream_response(resp: BaseHTTPResponse) -> Response:
    if resp.status >= 400:
        data = resp.read()
        resp.release_conn()
        return Response(_error_body(resp.status, data), status=resp.status, mimetype="application/json")
    ctype = resp.headers.get("Content-Type", "text/event-stream")
    return Response(_relay(resp), status=resp.status, content_type=ctype, headers=STREAM_HEADERS)
