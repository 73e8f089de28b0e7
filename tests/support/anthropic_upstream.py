"""A loopback server speaking Anthropic's Messages API as its public reference documents it.

`POST /v1/messages` (a Message object, or with `"stream": true` the event stream: message_start,
content_block_start, ping, content_block_delta..., content_block_stop, message_delta,
message_stop), `POST /v1/messages/count_tokens` (`{"input_tokens": N}`), `GET /v1/models`, and the errors in
Anthropic's envelope: 401 authentication_error without `x-api-key`, 400 invalid_request_error
without `anthropic-version` or `max_tokens`. It records what it receives, like FakeUpstream.
With `tools` in the request and `Behaviour.tool_call` set, it answers with that tool_use block.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.upstream import Received


@dataclass
class Behaviour:
    status: int = 200  # >= 400: that error, in Anthropic's envelope
    error_type: str = "overloaded_error"
    text: str = "Hello from Claude"
    tool_call: dict[str, Any] | None = None  # {"name", "input"}: answered when the request has tools
    usage: dict[str, int] = field(
        default_factory=lambda: {
            "input_tokens": 11,
            "output_tokens": 6,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        }
    )
    input_tokens: int = 42  # count_tokens' answer


def _error(kind: str, message: str) -> bytes:
    return json.dumps({"type": "error", "error": {"type": kind, "message": message}}).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("request-id", "req_loopback")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        """`GET /v1/models`: the model list (what the gateway's /health asks for)."""
        fake = self.server.fake
        fake.gets.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, b""))
        if not self.headers.get("x-api-key"):
            return self._send(401, _error("authentication_error", "x-api-key header is required"))
        if self.path.split("?")[0] != "/v1/models":
            return self._send(404, _error("not_found_error", "no such route"))
        models = {"data": [{"type": "model", "id": "claude-sonnet-4"}], "has_more": False}
        self._send(200, json.dumps(models).encode())

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        fake = self.server.fake
        fake.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        b = fake.behaviour
        if not self.headers.get("x-api-key"):
            return self._send(401, _error("authentication_error", "x-api-key header is required"))
        if not self.headers.get("anthropic-version"):
            return self._send(400, _error("invalid_request_error", "anthropic-version header is required"))
        if b.status >= 400:
            return self._send(b.status, _error(b.error_type, "Overloaded"))
        try:
            payload = json.loads(body)
        except ValueError:
            return self._send(400, _error("invalid_request_error", "body is not JSON"))
        path = self.path.split("?")[0]
        if path == "/v1/messages/count_tokens":
            return self._send(200, json.dumps({"input_tokens": b.input_tokens}).encode())
        if path != "/v1/messages":
            return self._send(404, _error("not_found_error", f"no route {path}"))
        if not isinstance(payload.get("max_tokens"), int):
            return self._send(400, _error("invalid_request_error", "max_tokens: Field required"))
        content = self._content(payload, b)
        stop = "tool_use" if content[-1]["type"] == "tool_use" else "end_turn"
        if payload.get("stream"):
            return self._stream(payload, content, stop, b)
        message = self._message(payload, content, stop, b.usage)
        self._send(200, json.dumps(message).encode())

    def _content(self, payload: dict, b: Behaviour) -> list[dict]:
        if payload.get("tools") and b.tool_call is not None:
            use = {"type": "tool_use", "id": "toolu_01loopback", **b.tool_call}
            return [{"type": "text", "text": "Let me check."}, use]
        return [{"type": "text", "text": b.text}]

    def _message(self, payload: dict, content: list, stop: str | None, usage: dict) -> dict:
        return {
            "id": "msg_01loopback",
            "type": "message",
            "role": "assistant",
            "model": payload.get("model"),
            "content": content,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": usage,
        }

    def _event(self, kind: str, data: dict) -> None:
        chunk = f"event: {kind}\ndata: {json.dumps(data)}\n\n".encode()
        self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        self.wfile.flush()

    def _stream(self, payload: dict, content: list, stop: str, b: Behaviour) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        start_usage = {**b.usage, "output_tokens": 1}
        message = self._message(payload, [], None, start_usage)
        self._event("message_start", {"type": "message_start", "message": message})
        for i, block in enumerate(content):
            if block["type"] == "text":
                start = {"type": "text", "text": ""}
            else:
                start = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
            self._event(
                "content_block_start", {"type": "content_block_start", "index": i, "content_block": start}
            )
            if i == 0:
                self._event("ping", {"type": "ping"})
            if block["type"] == "text":
                words = block["text"].split(" ")
                for n, word in enumerate(words):
                    piece = word if n == len(words) - 1 else word + " "
                    delta = {"type": "text_delta", "text": piece}
                    self._event(
                        "content_block_delta", {"type": "content_block_delta", "index": i, "delta": delta}
                    )
            else:
                raw = json.dumps(block["input"])
                for part in (raw[: len(raw) // 2], raw[len(raw) // 2 :]):
                    delta = {"type": "input_json_delta", "partial_json": part}
                    self._event(
                        "content_block_delta", {"type": "content_block_delta", "index": i, "delta": delta}
                    )
            self._event("content_block_stop", {"type": "content_block_stop", "index": i})
        delta = {"stop_reason": stop, "stop_sequence": None}
        usage = {"output_tokens": b.usage["output_tokens"]}
        self._event("message_delta", {"type": "message_delta", "delta": delta, "usage": usage})
        self._event("message_stop", {"type": "message_stop"})
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: FakeAnthropic


class FakeAnthropic:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.gets: list[Received] = []
        self.behaviour = Behaviour()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def base(self) -> str:
        """The api_base as an operator writes it (the gateway adds /v1/messages)."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeAnthropic:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def claude_entry(
    base: str, api_key: str, model_info: dict[str, Any] | None = None, **params: Any
) -> dict[str, Any]:
    """A `model_list` entry named `claude` for an `anthropic/` deployment at `base`."""
    entry: dict[str, Any] = {
        "model_name": "claude",
        "litellm_params": {
            "model": "anthropic/claude-sonnet-4",
            "api_base": base,
            "api_key": api_key,
            **params,
        },
    }
    if model_info is not None:
        entry["model_info"] = model_info
    return entry
