"""Upstream answers back to the client: JSON as is, SSE event by event as it arrives (never held
back), errors in one envelope; the upstream's `usage` is read on the way for the meter."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any, Protocol

import orjson
from flask import Response

from ..errors import envelope
from ..usage import Meter
from .redact import Redactor
from .response import BodyError, BodyReadTimeout, UpstreamResponse

log = logging.getLogger(__name__)

DONE = b"data: [DONE]\n\n"
STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
MAX_PENDING = 1 << 20  # an "event" this long without a blank line is passed on as it is
CLIENT_GONE = 499
STALLED = "The upstream stream stalled."


def _error_body(status: int, data: bytes, redactor: Redactor, client_key: str | None) -> bytes:
    """Upstream error bodies pass through when they are OpenAI-shaped; anything else is wrapped.
    Either way every secret is masked first: upstreams echo credentials in their errors."""
    data = redactor.scrub(data, client_key)
    try:
        parsed = orjson.loads(data)
    except orjson.JSONDecodeError:
        parsed = None
    if isinstance(parsed, dict) and isinstance(parsed.get("error"), dict | str):
        return data
    text = data[:500].decode("utf-8", "replace").strip() or "no body"
    return envelope(f"Upstream answered {status}: {text}", "upstream_error", status)


class Events(Protocol):
    """How a stream's bytes become the client's: `feed` each chunk (what it returns goes out at
    once), `rest` at a clean end, `error` when the upstream breaks; `usage` for the meter."""

    usage: dict | None

    def feed(self, chunk: bytes) -> bytes: ...

    def rest(self) -> bytes: ...

    def error(self, message: str, status: int) -> bytes: ...


class Exchange(Protocol):
    """How one upstream call's answer is turned into the client's (relayed as is, or translated
    between OpenAI's and Anthropic's formats: anthropic_translate/)."""

    def body(self, data: bytes) -> tuple[bytes, dict | None]:
        """A 2xx JSON body → (the client's body, the usage to meter)."""
        ...

    def events(self) -> Events: ...

    def error(self, status: int, data: bytes, redactor: Redactor, client_key: str | None) -> bytes:
        """An error body → the client's."""
        ...


def _json(data: bytes) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return None


def usage_of(data: bytes) -> dict | None:
    """The `usage` object of a JSON body (parsed only when the body mentions one)."""
    body = _json(data) if b'"usage"' in data else None
    usage = body.get("usage") if isinstance(body, dict) else None
    return usage if isinstance(usage, dict) else None


def json_response(
    resp: UpstreamResponse,
    meter: Meter,
    redactor: Redactor,
    client_key: str | None = None,
    exchange: Exchange | None = None,
) -> Response:
    """The upstream's JSON answer as is (or as `exchange` turns it); an error one with secrets
    masked (`client_key`: the client-side api_key of this call, masked too)."""
    data = resp.body()
    if resp.status >= 400:
        meter.finish(resp.status)
        if exchange is not None:
            body = exchange.error(resp.status, data, redactor, client_key)
        else:
            body = _error_body(resp.status, data, redactor, client_key)
        return Response(body, status=resp.status, mimetype="application/json")
    if exchange is not None:
        data, usage = exchange.body(data)
        meter.finish(resp.status, usage)
        return Response(data, status=resp.status, mimetype="application/json")
    meter.finish(resp.status, usage_of(data))
    return Response(
        data, status=resp.status, content_type=resp.headers.get("content-type", "application/json")
    )


def _usage_event(event: bytes) -> tuple[dict | None, bool]:
    """(usage, usage_only) of an SSE event that mentions a usage object."""
    payload = b"".join(line[5:].strip() for line in event.split(b"\n") if line.startswith(b"data:"))
    body = _json(payload)
    if isinstance(body, dict) and isinstance(body.get("response"), dict):  # /responses' last event
        body = body["response"]
    if not isinstance(body, dict) or not isinstance(body.get("usage"), dict):
        return None, False
    return body["usage"], not body.get("choices")


class _Events:
    """Splits the upstream's bytes into SSE events, keeps the usage, drops the chunk we asked for."""

    def __init__(self, hide_usage: bool) -> None:
        self.hide_usage = hide_usage
        self.usage: dict | None = None
        self.done = False
        self._pending = b""

    def feed(self, chunk: bytes) -> bytes:
        data = self._pending + chunk
        if b"\r" in data:  # CRLF framing: pass through untouched, still looking for usage
            self._pending = b""
            if b'"usage":' in data:
                for event in data.replace(b"\r\n", b"\n").split(b"\n\n"):
                    usage, _ = _usage_event(event)
                    self.usage = usage or self.usage
            self.done = self.done or b"[DONE]" in data[-32:]
            return data
        *events, self._pending = data.split(b"\n\n")
        if len(self._pending) > MAX_PENDING:
            events.append(self._pending)
            self._pending = b""
        out = []
        for event in events:
            if b'"usage":{' in event or b'"usage": {' in event:
                usage, usage_only = _usage_event(event)
                self.usage = usage or self.usage
                if usage_only and self.hide_usage:
                    continue
            elif event.startswith(b"data: [DONE]"):
                self.done = True
            out.append(event)
        return b"\n\n".join(out) + b"\n\n" if out else b""

    def rest(self) -> bytes:
        rest, self._pending = self._pending, b""
        return rest if self.done else rest + DONE

    def error(self, message: str, status: int) -> bytes:
        return b"data: " + envelope(message, "upstream_error", status) + b"\n\n" + DONE


class _Relay:
    """The SSE body. Also closable before its first chunk (a client gone before the response
    started): a generator that never ran would skip its `finally`, leaving the upstream open
    and the request unmetered, its in-flight slot held."""

    def __init__(self, resp: UpstreamResponse, meter: Meter, events: Events) -> None:
        self._resp, self._meter = resp, meter
        self._events = events
        self._gen: Iterator[bytes] | None = None
        self._ended = False

    def __iter__(self) -> Iterator[bytes]:
        self._gen = self._run()
        return self._gen

    def close(self) -> None:
        if self._gen is not None:
            self._gen.close()  # runs the generator's finally if it is suspended mid-stream
        self._end(CLIENT_GONE)

    def _end(self, status: int) -> None:
        if self._ended:
            return
        self._ended = True
        self._resp.close()  # unfinished (status != 200): closed, so the upstream sees the disconnect
        self._meter.finish(status, self._events.usage)

    def _run(self) -> Iterator[bytes]:
        events = self._events
        status = CLIENT_GONE  # unless the loop ends, the client went away
        try:
            for chunk in self._resp.chunks():
                out = events.feed(chunk)
                if out:
                    yield out
            rest = events.rest()
            status = 200
            if rest:
                yield rest
        except BodyReadTimeout as exc:
            status = 504
            message = "The upstream stream did not end within its timeout." if exc.by_deadline else STALLED
            yield events.error(message, 504)
        except BodyError as exc:
            status = 502
            log.warning("upstream stream broke: %s", type(exc).__name__)
            yield events.error("The upstream stream broke.", 502)
        finally:
            self._end(status)


def stream_response(
    resp: UpstreamResponse,
    meter: Meter,
    hide_usage: bool,
    redactor: Redactor,
    client_key: str | None = None,
    exchange: Exchange | None = None,
) -> Response:
    if resp.status >= 400:
        data = resp.body()  # read whole by the client already, within its deadline and size cap
        resp.close()
        meter.finish(resp.status)
        if exchange is not None:
            body = exchange.error(resp.status, data, redactor, client_key)
        else:
            body = _error_body(resp.status, data, redactor, client_key)
        return Response(body, status=resp.status, mimetype="application/json")
    if exchange is not None:
        events, ctype = exchange.events(), "text/event-stream"
    else:
        events, ctype = _Events(hide_usage), resp.headers.get("content-type", "text/event-stream")
    return Response(
        _Relay(resp, meter, events), status=resp.status, content_type=ctype, headers=STREAM_HEADERS
    )
