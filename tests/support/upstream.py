"""A real OpenAI-compatible HTTP server on loopback, recording what it receives.

Streams are sent with chunked transfer encoding, one SSE event per chunk, so a test can hold
the stream open (`gate`) and see whether the first event reaches the client meanwhile.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Behaviour:
    status: int = 200
    error_body: bytes | None = None  # with status >= 400
    content_type: str = "application/json"
    delay: float = 0.0  # before the response head
    chunks: int = 3  # stream events before [DONE]
    chunk_interval: float = 0.0
    gate: threading.Event | None = None  # stream waits on it after the first event
    send_done: bool = True
    endless: bool = False  # stream until the client goes away
    drip: float = 0.0  # a JSON answer's body sent one byte per `drip` seconds (each read is quick)
    usage: dict[str, int] = field(
        default_factory=lambda: {"prompt_tokens": 7, "completion_tokens": 5, "total_tokens": 12}
    )
    tool_call: dict[str, Any] | None = None  # {"name", "arguments"}: chat answers with it when sent tools


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # or every response waits out the client's delayed ACK
    server: _Server

    def log_message(self, *args: Any) -> None:  # keep pytest output quiet
        pass

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self) -> None:
        fake = self.server.fake
        fake.gets.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, b""))
        if fake.behaviour.status >= 400:
            self._send(fake.behaviour.status, b'{"error":{"message":"upstream says no"}}')
            return
        self._send(200, b'{"object":"list","data":[]}')

    def do_POST(self) -> None:
        body = self._read_body()
        fake = self.server.fake
        received = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        fake.received.append(received)
        b = fake.behaviour
        if b.delay:
            time.sleep(b.delay)
        if b.status >= 400:
            self._send(
                b.status,
                b.error_body
                or b'{"error":{"message":"upstream says no","type":"invalid_request_error","code":"bad"}}',
                b.content_type,
            )
            return
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            payload = {}
        if self.path.endswith("/audio/speech"):
            self._send(200, b"ID3 fake mp3 of " + str(payload.get("input")).encode(), "audio/mpeg")
        elif payload.get("stream") and self.path.endswith("/responses"):
            self._stream_response(payload, b)
        elif payload.get("stream"):
            self._stream(payload, b)
        elif b.drip:
            self._drip(json.dumps(self._completion(payload, b)).encode(), b.drip)
        else:
            self._send(200, json.dumps(self._completion(payload, b)).encode())

    def _completion(self, payload: dict, b: Behaviour) -> dict:
        model = payload.get("model")
        other = self._other_op(payload, b)
        if other is not None:
            return other
        if self.path.endswith("/embeddings"):
            return {
                "object": "list",
                "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2]}],
                "model": model,
                "usage": {"prompt_tokens": 3, "total_tokens": 3},
            }
        message: dict[str, Any] = {
            "role": "assistant",
            "content": f"upstream {self.server.fake.name} answers",
        }
        finish = "stop"
        if payload.get("tools") and b.tool_call is not None:
            call = {"id": "call_upstream", "type": "function", "function": b.tool_call}
            message, finish = {"role": "assistant", "content": None, "tool_calls": [call]}, "tool_calls"
        return {
            "id": "chatcmpl-upstream",
            "object": "chat.completion",
            "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": b.usage,
        }

    def _other_op(self, payload: dict, b: Behaviour) -> dict | None:
        """Images, audio transcription, moderation and Responses API answers, usage in their words."""
        usage = {"input_tokens": b.usage["prompt_tokens"], "output_tokens": b.usage["completion_tokens"]}
        path = self.path.split("?")[0]
        if path.endswith("/images/generations"):
            return {"created": 1, "data": [{"url": "https://example.invalid/a.png"}], "usage": usage}
        if path.endswith("/audio/transcriptions"):
            return {
                "text": f"upstream {self.server.fake.name} heard you",
                "usage": {"type": "tokens", **usage},
            }
        if path.endswith("/moderations"):
            result = {"flagged": False, "categories": {}, "category_scores": {}}
            return {"id": "modr-upstream", "model": payload.get("model"), "results": [result]}
        if path.endswith("/responses"):
            return self._response(payload, usage)
        return None

    def _response(self, payload: dict, usage: dict) -> dict:
        text = {"type": "output_text", "text": f"upstream {self.server.fake.name} answers", "annotations": []}
        message = {
            "type": "message",
            "id": "msg_1",
            "role": "assistant",
            "status": "completed",
            "content": [text],
        }
        return {
            "id": "resp_upstream",
            "object": "response",
            "created_at": 1,
            "status": "completed",
            "model": payload.get("model"),
            "output": [message],
            "usage": {**usage, "total_tokens": usage["input_tokens"] + usage["output_tokens"]},
        }

    def _stream_response(self, payload: dict, b: Behaviour) -> None:
        """The Responses API's stream: typed events, usage in the last (`response.completed`)."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        usage = {"input_tokens": b.usage["prompt_tokens"], "output_tokens": b.usage["completion_tokens"]}
        final = self._response(payload, usage)
        events = [
            {
                "type": "response.created",
                "sequence_number": 0,
                "response": {**final, "status": "in_progress", "output": [], "usage": None},
            },
            {
                "type": "response.output_text.delta",
                "sequence_number": 1,
                "item_id": "msg_1",
                "output_index": 0,
                "content_index": 0,
                "delta": "tok0 ",
            },
            {"type": "response.completed", "sequence_number": 2, "response": final},
        ]
        for event in events:
            self._chunk(f"event: {event['type']}\ndata: ".encode() + json.dumps(event).encode() + b"\n\n")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _send(self, status: int, data: bytes, ctype: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _drip(self, data: bytes, every: float) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            for i in range(len(data)):
                self.wfile.write(data[i : i + 1])
                self.wfile.flush()
                time.sleep(every)
        except (BrokenPipeError, ConnectionResetError):
            self.server.fake.client_gone.set()

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _stream(self, payload: dict, b: Behaviour) -> None:
        fake = self.server.fake
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            i = 0
            while b.endless or i < b.chunks:
                event = {
                    "id": "chatcmpl-upstream",
                    "object": "chat.completion.chunk",
                    "model": payload.get("model"),
                    "choices": [{"index": 0, "delta": {"content": f"tok{i} "}, "finish_reason": None}],
                }
                self._chunk(b"data: " + json.dumps(event).encode() + b"\n\n")
                if i == 0 and b.gate is not None:
                    fake.first_chunk_sent.set()
                    b.gate.wait(10)
                if b.chunk_interval:
                    time.sleep(b.chunk_interval)
                i += 1
            finish = "stop"
            if payload.get("tools") and b.tool_call is not None:
                finish = "tool_calls"
                self._tool_call_chunks(payload, b.tool_call)
            final = {
                "id": "chatcmpl-upstream",
                "object": "chat.completion.chunk",
                "choices": [{"index": 0, "delta": {}, "finish_reason": finish}],
            }
            self._chunk(b"data: " + json.dumps(final).encode() + b"\n\n")
            if (payload.get("stream_options") or {}).get("include_usage"):
                self._chunk(
                    b"data: "
                    + json.dumps({"id": "chatcmpl-upstream", "choices": [], "usage": b.usage}).encode()
                    + b"\n\n"
                )
            if b.send_done:
                self._chunk(b"data: [DONE]\n\n")
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
            fake.stream_finished.set()
        except (BrokenPipeError, ConnectionResetError):
            fake.client_gone.set()

    def _tool_call_chunks(self, payload: dict, call: dict) -> None:
        """A tool call as OpenAI streams it: id and name first, the arguments in two pieces."""
        args = call["arguments"]
        first = {
            "index": 0,
            "id": "call_upstream",
            "type": "function",
            "function": {"name": call["name"], "arguments": ""},
        }
        for delta in (
            first,
            {"index": 0, "function": {"arguments": args[: len(args) // 2]}},
            {"index": 0, "function": {"arguments": args[len(args) // 2 :]}},
        ):
            event = {
                "id": "chatcmpl-upstream",
                "object": "chat.completion.chunk",
                "model": payload.get("model"),
                "choices": [{"index": 0, "delta": {"tool_calls": [delta]}, "finish_reason": None}],
            }
            self._chunk(b"data: " + json.dumps(event).encode() + b"\n\n")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: FakeUpstream


class FakeUpstream:
    def __init__(self, name: str = "A") -> None:
        self.name = name
        self.received: list[Received] = []  # POSTs
        self.gets: list[Received] = []
        self.behaviour = Behaviour()
        self.first_chunk_sent = threading.Event()
        self.stream_finished = threading.Event()
        self.client_gone = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FakeUpstream:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self.behaviour.gate is not None:
            self.behaviour.gate.set()
        self._server.shutdown()
        self._server.server_close()
