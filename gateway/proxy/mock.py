"""`mock_response` (a LiteLLM feature): answers from config with no upstream, streaming too."""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace

import orjson
from flask import Response

from ..usage import Meter
from ..values import RequestIntent
from .anthropic_translate.requests import messages_to_chat
from .anthropic_translate.responses import completion_to_message
from .anthropic_translate.streams import ChunksToMessages

_WORDS = re.compile(r"\S+\s*|\s+")


def _tokens(text: str) -> int:
    return max(1, len(text.split()))


def _prompt_tokens(intent: RequestIntent) -> int:
    body = intent.body
    parts = [m.get("content") for m in body.get("messages") or [] if isinstance(m, dict)]
    parts.append(body.get("prompt"))
    parts.append(body.get("input"))
    text = " ".join(p for p in parts if isinstance(p, str))
    return _tokens(text) if text else 1


def _usage(intent: RequestIntent, content: str) -> dict[str, int]:
    p, c = _prompt_tokens(intent), _tokens(content)
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}


def _embedding(text: str) -> list[float]:
    digest = hashlib.sha256(text.encode()).digest()
    return [round(b / 255.0, 6) for b in digest[:8]]


def _chunk(base: dict, delta: dict, finish: str | None) -> bytes:
    body = {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return b"data: " + orjson.dumps(body) + b"\n\n"


def _stream(intent: RequestIntent, content: str, meter: Meter, hide_usage: bool) -> Iterator[bytes]:
    try:
        yield from _events(intent, content, hide_usage)
        meter.finish(200, _usage(intent, content))
    finally:
        meter.finish(499)  # no-op when finished above: the client left mid-stream


def _events(intent: RequestIntent, content: str, hide_usage: bool) -> Iterator[bytes]:
    base = {
        "id": f"chatcmpl-mock-{uuid.uuid4().hex[:12]}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": intent.model,
    }
    chat = intent.op == "chat/completions"
    if chat:
        yield _chunk(base, {"role": "assistant", "content": ""}, None)
    for word in _WORDS.findall(content):
        if chat:
            yield _chunk(base, {"content": word}, None)
        else:
            event = {
                **base,
                "object": "text_completion",
                "choices": [{"index": 0, "text": word, "finish_reason": None}],
            }
            yield b"data: " + orjson.dumps(event) + b"\n\n"
    yield _chunk(base, {}, "stop")
    options = intent.body.get("stream_options")
    if isinstance(options, dict) and options.get("include_usage") and not hide_usage:
        yield (b"data: " + orjson.dumps({**base, "choices": [], "usage": _usage(intent, content)}) + b"\n\n")
    yield b"data: [DONE]\n\n"


def _messages(intent: RequestIntent, content: str, meter: Meter) -> Response:
    """A Messages API answer: the chat answer, translated as an OpenAI-compatible upstream's is."""
    body = messages_to_chat(intent.body)
    chat = replace(intent, op="chat/completions", body=body)
    usage = _usage(chat, content)
    if not intent.stream:
        meter.finish(200, usage)
        return Response(
            orjson.dumps(completion_to_message(_completion(chat, content), intent.model)),
            mimetype="application/json",
        )

    def stream() -> Iterator[bytes]:
        events = ChunksToMessages(intent.model)
        try:
            for chunk in _events(chat, content, hide_usage=False):
                if out := events.feed(chunk):
                    yield out
            yield events.rest()
            meter.finish(200, usage)
        finally:
            meter.finish(499)

    return Response(stream(), mimetype="text/event-stream", headers={"Cache-Control": "no-cache"})


def _completion(intent: RequestIntent, content: str) -> dict:
    created = int(time.time())
    if intent.op == "completions":
        choice = {"index": 0, "text": content, "finish_reason": "stop", "logprobs": None}
        obj, prefix = "text_completion", "cmpl"
    else:
        choice = {
            "index": 0,
            "message": {"role": "assistant", "content": content},
            "finish_reason": "stop",
        }
        obj, prefix = "chat.completion", "chatcmpl"
    return {
        "id": f"{prefix}-mock-{uuid.uuid4().hex[:12]}",
        "object": obj,
        "created": created,
        "model": intent.model,
        "choices": [choice],
        "usage": _usage(intent, content),
    }


def respond(intent: RequestIntent, content: str, meter: Meter, hide_usage: bool) -> Response:
    """An OpenAI-shaped answer whose text is `content` (Anthropic-shaped on /v1/messages),
    metered like an upstream's."""
    if intent.op == "messages":
        return _messages(intent, content, meter)
    if intent.op == "embeddings":
        inputs = intent.body.get("input")
        items = inputs if isinstance(inputs, list) else [inputs]
        data = [
            {"object": "embedding", "index": i, "embedding": _embedding(str(item))}
            for i, item in enumerate(items)
        ]
        p = _prompt_tokens(intent)
        body = {
            "object": "list",
            "data": data,
            "model": intent.model,
            "usage": {"prompt_tokens": p, "total_tokens": p},
        }
        meter.finish(200, body["usage"])
        return Response(orjson.dumps(body), mimetype="application/json")
    if intent.stream:
        return Response(
            _stream(intent, content, meter, hide_usage),
            mimetype="text/event-stream",
            headers={"Cache-Control": "no-cache"},
        )
    body = _completion(intent, content)
    meter.finish(200, body["usage"])
    return Response(orjson.dumps(body), mimetype="application/json")
