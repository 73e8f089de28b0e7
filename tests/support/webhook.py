"""A webhook receiver on loopback: records every POST (headers and raw body), answers `status`."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Delivery:
    headers: dict[str, str]
    body: bytes


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        receiver = self.server.receiver
        status = receiver.script.pop(0) if receiver.script else receiver.status
        receiver.arrivals.append((time.monotonic(), self.headers.get("X-Gateway-Signature", ""), status))
        if status < 300:
            receiver.deliveries.append(Delivery({k.lower(): v for k, v in self.headers.items()}, body))
        else:
            receiver.refused += 1
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()
        receiver.arrived.set()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    receiver: WebhookReceiver


class WebhookReceiver:
    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self.refused = 0
        self.status = 200
        self.script: list[int] = []  # statuses for the next requests, before `status` applies again
        self.arrivals: list[tuple[float, str, int]] = []  # (monotonic time, signature, status answered)
        self.arrived = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.receiver = self
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/rotated"
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
