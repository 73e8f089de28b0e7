"""`/v1/messages/count_tokens` for a deployment that is not anthropic/: an estimate, said to be one.

No OpenAI-compatible server counts a Messages request's tokens, and the gateway holds no
tokenizer of every model it may front. So the count is the one Anthropic's own guidance gives for
text (about four characters a token) over everything the model would read: the system prompt,
every text, tool input and tool result, and the tool definitions; an image counts 1,600 tokens
(about Anthropic's figure for a 1.15-megapixel image, its largest before scaling); each turn 4
more. The answer carries `X-Gateway-Token-Count: estimate` (docs/anthropic.md).
"""

from __future__ import annotations

import math
from typing import Any

import orjson
from flask import Response

from ...errors import BadRequest
from ...usage import Meter
from ...values import RequestIntent

CHARS_PER_TOKEN = 4
IMAGE_TOKENS = 1600
TURN_TOKENS = 4


def _chars(content: Any) -> tuple[int, int]:
    """(characters, images) of a content: a string, or blocks."""
    if isinstance(content, str):
        return len(content), 0
    if not isinstance(content, list):
        return 0, 0
    chars = images = 0
    for block in content:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "image":
            images += 1
        elif kind == "text":
            chars += len(str(block.get("text", "")))
        elif kind == "tool_use":
            chars += len(str(block.get("name", ""))) + len(orjson.dumps(block.get("input") or {}))
        elif kind == "tool_result":
            c, i = _chars(block.get("content"))
            chars, images = chars + c, images + i
        else:
            chars += len(orjson.dumps(block))
    return chars, images


def estimate(body: dict[str, Any]) -> int:
    """The estimated input tokens of a Messages request (400 when it has no `messages` list)."""
    messages = body.get("messages")
    if not isinstance(messages, list):
        raise BadRequest("`messages` must be a list.", param="messages")
    chars, images = _chars(body.get("system"))
    for m in messages:
        c, i = _chars(m.get("content") if isinstance(m, dict) else None)
        chars, images = chars + c, images + i
    if body.get("tools"):
        chars += len(orjson.dumps(body["tools"]))
    return math.ceil(chars / CHARS_PER_TOKEN) + images * IMAGE_TOKENS + TURN_TOKENS * len(messages)


def respond(intent: RequestIntent, meter: Meter) -> Response:
    """Anthropic's answer shape, `{"input_tokens": N}`; metered as a request that used no tokens."""
    body = orjson.dumps({"input_tokens": estimate(intent.body)})
    meter.finish(200)
    return Response(body, mimetype="application/json", headers={"X-Gateway-Token-Count": "estimate"})
