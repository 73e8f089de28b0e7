"""Anthropic's Messages API beside OpenAI's: which call a client's request becomes on a deployment
(passed through, or translated between the two formats) and how the answer comes back.

| client asks | anthropic/ deployment | OpenAI-compatible deployment |
|---|---|---|
| /v1/messages | passed through, byte for byte | translated to /chat/completions and back |
| /v1/messages/count_tokens | passed through | estimated here (count.py) |
| /chat/completions | translated to /v1/messages and back | passed through (no exchange) |
"""

from __future__ import annotations

from dataclasses import replace

import orjson

from ...errors import BadRequest, UpstreamError
from ...values import RequestIntent
from ..redact import Redactor
from ..relay import Events, Exchange, usage_of
from ..router import Target
from . import count
from .requests import chat_to_messages, messages_to_chat
from .responses import completion_to_message, error_as_anthropic, error_as_openai, message_to_completion
from .streams import AnthropicEvents, ChunksToMessages, MessagesToChunks

__all__ = ["COUNT_TOKENS", "count", "estimated", "plan"]

MESSAGES, COUNT_TOKENS, CHAT = "messages", "messages/count_tokens", "chat/completions"


def _loads(data: bytes) -> dict:
    try:
        body = orjson.loads(data)
    except orjson.JSONDecodeError:
        body = None
    if not isinstance(body, dict):
        raise UpstreamError("The upstream's answer is not a JSON object.")
    return body


class AnthropicPassthrough:
    """/v1/messages (or count_tokens) to anthropic/: the answer as it is."""

    def body(self, data: bytes) -> tuple[bytes, dict | None]:
        return data, usage_of(data)

    def events(self) -> Events:
        return AnthropicEvents()

    def error(self, status: int, data: bytes, redactor: Redactor, client_key: str | None) -> bytes:
        return error_as_anthropic(status, redactor.scrub(data, client_key))


class ChatViaMessages:
    """/chat/completions to anthropic/: the Messages answer as a chat completion."""

    def __init__(self, model: str, include_usage: bool) -> None:
        self.model, self.include_usage = model, include_usage

    def body(self, data: bytes) -> tuple[bytes, dict | None]:
        message = _loads(data)
        return orjson.dumps(message_to_completion(message)), message.get("usage")

    def events(self) -> Events:
        return MessagesToChunks(self.model, self.include_usage)

    def error(self, status: int, data: bytes, redactor: Redactor, client_key: str | None) -> bytes:
        return error_as_openai(status, redactor.scrub(data, client_key))


class MessagesViaChat:
    """/v1/messages to an OpenAI-compatible deployment: the chat completion as a Messages answer."""

    def __init__(self, model: str) -> None:
        self.model = model

    def body(self, data: bytes) -> tuple[bytes, dict | None]:
        completion = _loads(data)
        return orjson.dumps(completion_to_message(completion, self.model)), completion.get("usage")

    def events(self) -> Events:
        return ChunksToMessages(self.model)

    def error(self, status: int, data: bytes, redactor: Redactor, client_key: str | None) -> bytes:
        return error_as_anthropic(status, redactor.scrub(data, client_key))


def _as(intent: RequestIntent, op: str, body: dict) -> RequestIntent:
    body = {**body, "model": intent.model}
    return replace(intent, op=op, body=body, raw=orjson.dumps(body))


def estimated(intent: RequestIntent, target: Target) -> bool:
    """Whether this count_tokens call is answered here: no anthropic/ upstream to ask."""
    d = target.deployment
    return intent.op == COUNT_TOKENS and (d.provider != "anthropic" or d.mock_response is not None)


def plan(intent: RequestIntent, target: Target, hide_usage: bool) -> tuple[RequestIntent, Exchange | None]:
    """The intent sent to `target` and how its answer returns (None: as it is, the OpenAI way);
    400 for an op the deployment's protocol has no form of."""
    d = target.deployment
    if d.provider == "anthropic":
        if intent.op in (MESSAGES, COUNT_TOKENS):
            return intent, AnthropicPassthrough()
        if intent.op == CHAT:
            options = intent.body.get("stream_options")
            include = not hide_usage and isinstance(options, dict) and options.get("include_usage") is True
            return _as(intent, MESSAGES, chat_to_messages(intent.body)), ChatViaMessages(
                intent.model, include
            )
        raise BadRequest(
            f"Model {intent.model!r} is served by Anthropic: call /v1/messages or /v1/chat/completions.",
            param="model",
        )
    if intent.op == MESSAGES:
        return _as(intent, CHAT, messages_to_chat(intent.body)), MessagesViaChat(intent.model)
    return intent, None
