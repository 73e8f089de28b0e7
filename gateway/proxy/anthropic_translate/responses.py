"""Whole (non-streamed) answers and error bodies between Anthropic's and OpenAI's formats."""

from __future__ import annotations

import time
import uuid
from typing import Any

import orjson

from ...errors import anthropic_envelope, envelope

# Anthropic's stop_reason → OpenAI's finish_reason, and back.
FINISH = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}
STOP = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use", "function_call": "tool_use"}
STOP["content_filter"] = "refusal"


def chat_usage(usage: dict | None) -> dict[str, Any]:
    """Anthropic's usage in OpenAI's words: the prompt is input plus cache writes and reads."""
    u = usage or {}
    read = u.get("cache_read_input_tokens") or 0
    prompt = (u.get("input_tokens") or 0) + (u.get("cache_creation_input_tokens") or 0) + read
    completion = u.get("output_tokens") or 0
    out: dict[str, Any] = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
    if read:
        out["prompt_tokens_details"] = {"cached_tokens": read}
    return out


def messages_usage(usage: dict | None) -> dict[str, int]:
    """OpenAI's usage in Anthropic's words (cached prompt tokens counted as cache reads)."""
    u = usage or {}
    details = u.get("prompt_tokens_details")
    cached = (details.get("cached_tokens") or 0) if isinstance(details, dict) else 0
    return {
        "input_tokens": max((u.get("prompt_tokens") or 0) - cached, 0),
        "output_tokens": u.get("completion_tokens") or 0,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": cached,
    }


def tool_call(block: dict, index: int | None = None) -> dict[str, Any]:
    call: dict[str, Any] = {
        "id": block.get("id", ""),
        "type": "function",
        "function": {
            "name": block.get("name", ""),
            "arguments": orjson.dumps(block.get("input") or {}).decode(),
        },
    }
    return call if index is None else {"index": index, **call}


def message_to_completion(message: dict[str, Any]) -> dict[str, Any]:
    """A Messages API answer as a chat completion."""
    blocks = message.get("content") or []
    text = "".join(b.get("text", "") for b in blocks if b.get("type") == "text")
    calls = [tool_call(b) for b in blocks if b.get("type") == "tool_use"]
    reply: dict[str, Any] = {"role": "assistant", "content": text or (None if calls else "")}
    if calls:
        reply["tool_calls"] = calls
    return {
        "id": message.get("id") or f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": message.get("model"),
        "choices": [
            {"index": 0, "message": reply, "finish_reason": FINISH.get(message.get("stop_reason"), "stop")}
        ],
        "usage": chat_usage(message.get("usage")),
    }


def _input(arguments: Any) -> dict[str, Any]:
    try:
        value = orjson.loads(arguments or "{}")
    except (orjson.JSONDecodeError, TypeError):
        return {}
    return value if isinstance(value, dict) else {}


def completion_to_message(completion: dict[str, Any], model: str) -> dict[str, Any]:
    """A chat completion as a Messages API answer."""
    choices = completion.get("choices") or [{}]
    choice = choices[0] if isinstance(choices[0], dict) else {}
    reply = choice.get("message") or {}
    content: list[dict[str, Any]] = []
    if reply.get("content"):
        content.append({"type": "text", "text": reply["content"]})
    for call in reply.get("tool_calls") or []:
        fn = call.get("function") or {}
        content.append(
            {
                "type": "tool_use",
                "id": call.get("id") or f"toolu_{uuid.uuid4().hex[:24]}",
                "name": fn.get("name", ""),
                "input": _input(fn.get("arguments")),
            }
        )
    return {
        "id": "msg_" + str(completion.get("id") or uuid.uuid4().hex),
        "type": "message",
        "role": "assistant",
        "model": completion.get("model") or model,
        "content": content,
        "stop_reason": STOP.get(choice.get("finish_reason"), "end_turn"),
        "stop_sequence": None,
        "usage": messages_usage(completion.get("usage")),
    }


def _message_of(data: bytes) -> str | None:
    """The message of an error body, OpenAI's or Anthropic's (both nest it under `error`)."""
    try:
        body = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return error["message"]
    return error if isinstance(error, str) else None


def _said(status: int, data: bytes) -> str:
    found = _message_of(data)
    if found is not None:
        return found
    return f"Upstream answered {status}: {data[:500].decode('utf-8', 'replace').strip() or 'no body'}"


def error_as_anthropic(status: int, data: bytes) -> bytes:
    """An upstream's error body in Anthropic's envelope (kept as is when it already is one)."""
    try:
        body = orjson.loads(data)
    except orjson.JSONDecodeError:
        body = None
    if isinstance(body, dict) and body.get("type") == "error" and _message_of(data) is not None:
        return data
    return anthropic_envelope(_said(status, data), status)


def error_as_openai(status: int, data: bytes) -> bytes:
    """An Anthropic upstream's error body in the gateway's (OpenAI's) envelope."""
    try:
        body = orjson.loads(data)
    except orjson.JSONDecodeError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    kind = error.get("type") if isinstance(error, dict) and isinstance(error.get("type"), str) else None
    return envelope(_said(status, data), kind or "upstream_error", status)
