"""Server-sent event streams of the Messages API: relayed as they are (usage read on the way), or
translated event by event to and from OpenAI's chat chunks, each as soon as it arrives.

Each class is a relay.Events: `feed` a chunk of upstream bytes and send what it returns at once,
`rest` at a clean end, `error` when the upstream breaks; `usage` is the upstream's, for the meter.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import orjson

from ...errors import anthropic_envelope, envelope
from .responses import FINISH, STOP, chat_usage, messages_usage, tool_call

DONE = b"data: [DONE]\n\n"


class Splitter:
    """Upstream bytes → complete SSE events (LF or CRLF framing), the rest kept for the next chunk."""

    def __init__(self) -> None:
        self.pending = b""

    def split(self, chunk: bytes) -> list[bytes]:
        data = self.pending + chunk
        if b"\r" in data:
            data = data.replace(b"\r\n", b"\n")
        *events, self.pending = data.split(b"\n\n")
        return events


def data_of(event: bytes) -> Any:
    """The JSON of an event's `data:` lines (None for `[DONE]`, a comment, or no JSON)."""
    payload = b"".join(line[5:].strip() for line in event.split(b"\n") if line.startswith(b"data:"))
    if not payload or payload == b"[DONE]":
        return None
    try:
        return orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None


def sse(kind: str, data: dict[str, Any]) -> bytes:
    """One Messages API event: its type as the SSE event name and in the data."""
    return b"event: " + kind.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"


def anthropic_error(message: str, status: int) -> bytes:
    return b"event: error\ndata: " + anthropic_envelope(message, status) + b"\n\n"


def merge_usage(usage: dict | None, more: Any) -> dict | None:
    """message_start's usage, updated by each message_delta's (its counts are totals so far)."""
    if not isinstance(more, dict):
        return usage
    return {**(usage or {}), **{k: v for k, v in more.items() if v is not None}}


class AnthropicEvents:
    """A Messages API stream relayed byte for byte; its usage read from message_start/message_delta."""

    def __init__(self) -> None:
        self.usage: dict | None = None
        self._split = Splitter()

    def feed(self, chunk: bytes) -> bytes:
        for event in self._split.split(chunk):
            if b'"usage"' in event:
                body = data_of(event)
                if isinstance(body, dict):
                    if body.get("type") == "message_start" and isinstance(body.get("message"), dict):
                        self.usage = merge_usage(self.usage, body["message"].get("usage"))
                    elif body.get("type") == "message_delta":
                        self.usage = merge_usage(self.usage, body.get("usage"))
        return chunk

    def rest(self) -> bytes:
        return b""

    def error(self, message: str, status: int) -> bytes:
        return anthropic_error(message, status)


class MessagesToChunks:
    """An anthropic/ deployment's Messages stream → OpenAI chat completion chunks."""

    def __init__(self, model: str, include_usage: bool) -> None:
        self.usage: dict | None = None
        self._split = Splitter()
        self._include_usage = include_usage
        self._base: dict[str, Any] = {
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
        }
        self._tools: dict[int, int] = {}  # content block index → tool call index
        self._done = False

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> bytes:
        body = {**self._base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        return b"data: " + orjson.dumps(body) + b"\n\n"

    def feed(self, chunk: bytes) -> bytes:
        return b"".join(out for event in self._split.split(chunk) for out in self._event(data_of(event)))

    def _event(self, body: Any) -> Iterator[bytes]:
        if not isinstance(body, dict) or self._done:
            return
        kind = body.get("type")
        if kind == "message_start":
            message = body.get("message") or {}
            self._base["id"] = message.get("id") or self._base["id"]
            self._base["model"] = message.get("model") or self._base["model"]
            self.usage = merge_usage(self.usage, message.get("usage"))
            yield self._chunk({"role": "assistant", "content": ""})
        elif kind == "content_block_start":
            block = body.get("content_block") or {}
            if block.get("type") == "tool_use":
                n = self._tools[body.get("index", 0)] = len(self._tools)
                call = tool_call(block, n)
                call["function"]["arguments"] = ""
                yield self._chunk({"tool_calls": [call]})
            elif block.get("type") == "text" and block.get("text"):
                yield self._chunk({"content": block["text"]})
        elif kind == "content_block_delta":
            delta = body.get("delta") or {}
            if delta.get("type") == "text_delta":
                yield self._chunk({"content": delta.get("text", "")})
            elif delta.get("type") == "input_json_delta":
                n = self._tools.get(body.get("index", 0), 0)
                arguments = {"index": n, "function": {"arguments": delta.get("partial_json", "")}}
                yield self._chunk({"tool_calls": [arguments]})
        elif kind == "message_delta":
            self.usage = merge_usage(self.usage, body.get("usage"))
            reason = (body.get("delta") or {}).get("stop_reason")
            if reason:
                yield self._chunk({}, FINISH.get(reason, "stop"))
        elif kind == "message_stop":
            yield self._end()
        elif kind == "error":
            error = body.get("error") or {}
            self._done = True
            yield (
                b"data: " + envelope(str(error.get("message")), str(error.get("type")), 502) + b"\n\n" + DONE
            )

    def _end(self) -> bytes:
        self._done = True
        if not self._include_usage:
            return DONE
        tail = {**self._base, "choices": [], "usage": chat_usage(self.usage)}
        return b"data: " + orjson.dumps(tail) + b"\n\n" + DONE

    def rest(self) -> bytes:
        return b"" if self._done else self._end()

    def error(self, message: str, status: int) -> bytes:
        self._done = True
        return b"data: " + envelope(message, "upstream_error", status) + b"\n\n" + DONE


class ChunksToMessages:
    """An OpenAI-compatible deployment's chat chunks → a Messages API stream, in Anthropic's order:
    message_start, then per content block content_block_start, its deltas (text_delta,
    input_json_delta) and content_block_stop (a ping after the first start), then message_delta
    (stop_reason, usage) and message_stop."""

    def __init__(self, model: str) -> None:
        self.usage: dict | None = None  # the upstream's (OpenAI's words), for the meter
        self._split = Splitter()
        self._model = model
        self._id = f"msg_{uuid.uuid4().hex[:24]}"
        self._started = False
        self._block = -1  # index of the open content block (-1: none yet)
        self._open: str | int | None = None  # "text", a tool call's index, or None (closed)
        self._tools: set[int] = set()  # tool call indexes that have had their block
        self._stop: str | None = None
        self._pinged = False
        self._ended = False

    def feed(self, chunk: bytes) -> bytes:
        out = []
        for event in self._split.split(chunk):
            if event.startswith(b"data: [DONE]"):
                out.append(self._end())
                continue
            out.extend(self._chunk(data_of(event)))
        return b"".join(out)

    def _start(self, body: dict[str, Any]) -> bytes:
        self._started = True
        if body.get("id"):
            self._id = "msg_" + str(body["id"])
        message = {
            "id": self._id,
            "type": "message",
            "role": "assistant",
            "model": body.get("model") or self._model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 0, "output_tokens": 0},  # the real counts: message_delta
        }
        return sse("message_start", {"type": "message_start", "message": message})

    def _open_block(self, kind: str | int, block: dict[str, Any]) -> Iterator[bytes]:
        yield from self._close_block()
        self._block += 1
        self._open = kind
        yield sse(
            "content_block_start",
            {"type": "content_block_start", "index": self._block, "content_block": block},
        )
        if not self._pinged:
            self._pinged = True
            yield sse("ping", {"type": "ping"})

    def _close_block(self) -> Iterator[bytes]:
        if self._open is not None:
            self._open = None
            yield sse("content_block_stop", {"type": "content_block_stop", "index": self._block})

    def _delta(self, delta: dict[str, Any]) -> bytes:
        return sse(
            "content_block_delta", {"type": "content_block_delta", "index": self._block, "delta": delta}
        )

    def _chunk(self, body: Any) -> Iterator[bytes]:
        if not isinstance(body, dict) or self._ended:
            return
        if isinstance(body.get("error"), dict | str):
            error = body["error"]
            self._ended = True
            yield anthropic_error(error.get("message", "") if isinstance(error, dict) else error, 500)
            return
        if not self._started:
            yield self._start(body)
        if isinstance(body.get("usage"), dict):
            self.usage = body["usage"]
        for choice in body.get("choices") or []:
            delta = choice.get("delta") or {}
            if delta.get("content"):
                if self._open != "text":
                    yield from self._open_block("text", {"type": "text", "text": ""})
                yield self._delta({"type": "text_delta", "text": delta["content"]})
            for call in delta.get("tool_calls") or []:
                n = call.get("index", 0)
                fn = call.get("function") or {}
                if n not in self._tools:
                    self._tools.add(n)
                    block = {
                        "type": "tool_use",
                        "id": call.get("id") or f"toolu_{uuid.uuid4().hex[:24]}",
                        "name": fn.get("name", ""),
                        "input": {},
                    }
                    yield from self._open_block(n, block)
                if fn.get("arguments"):
                    yield self._delta({"type": "input_json_delta", "partial_json": fn["arguments"]})
            if choice.get("finish_reason"):
                self._stop = STOP.get(choice["finish_reason"], "end_turn")

    def _end(self) -> bytes:
        if self._ended:
            return b""
        self._ended = True
        out = [] if self._started else [self._start({})]
        out.extend(self._close_block())
        delta = {"stop_reason": self._stop or "end_turn", "stop_sequence": None}
        out.append(
            sse(
                "message_delta",
                {"type": "message_delta", "delta": delta, "usage": messages_usage(self.usage)},
            )
        )
        out.append(sse("message_stop", {"type": "message_stop"}))
        return b"".join(out)

    def rest(self) -> bytes:
        return self._end()

    def error(self, message: str, status: int) -> bytes:
        self._ended = True
        return anthropic_error(message, status)
