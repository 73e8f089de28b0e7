"""Clients that vanish mid-stream, many at once: every upstream stream is closed too, the worker's
sockets go back to what they were (nothing leaks), and the worker carries on."""

from __future__ import annotations

import json
import os
import socket
import struct
import threading
import time

from tests.conftest import MASTER
from tests.robustness.conftest import call, chat_body
from tests.support.live import worker_pids
from tests.support.rawhttp import Peer, RawServer

CLIENTS = 30
EVENT = b'data: {"choices":[{"index":0,"delta":{"content":"tok "}}]}\n\n'


class EndlessUpstream:
    """Streams an event every 20 ms until the gateway hangs up; counts the hang-ups."""

    def __init__(self) -> None:
        self.gone = 0
        self._lock = threading.Lock()
        self.server = RawServer(self._handle)

    def _handle(self, peer: Peer, index: int) -> None:
        if peer.read_request() is None:
            return
        chunk = b"%x\r\n%s\r\n" % (len(EVENT), EVENT)
        try:
            peer.send(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
            )
            for _ in range(3000):  # a minute at most
                peer.send(chunk)
                time.sleep(0.02)
        except OSError:
            with self._lock:
                self.gone += 1


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def test_many_clients_leaving_mid_stream_close_their_upstreams_and_leak_nothing(live_gateway, pg_url):
    upstream = EndlessUpstream()
    try:
        entry = {
            "model_name": "endless",
            "litellm_params": {
                "model": "openai/e",
                "api_base": f"http://127.0.0.1:{upstream.server.port}/v1",
            },
        }
        gw = live_gateway({"model_list": [entry]}, {"DATABASE_URL": pg_url}, workers=1)
        (worker,) = worker_pids(gw.proc.pid)
        assert call(gw, "/health/liveliness")[0] == 200
        baseline = open_fds(worker)
        request = (
            "POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {MASTER}\r\n"
        ).encode()
        body = json.dumps(chat_body("endless", stream=True)).encode()
        request += b"Content-Length: %d\r\n\r\n" % len(body) + body
        first: list[bool] = []

        def client() -> None:
            sock = socket.create_connection(("127.0.0.1", gw.port), timeout=10)
            sock.sendall(request)
            seen = b""
            while b"data: " not in seen and (part := sock.recv(65536)):
                seen += part
            first.append(b"data: " in seen)
            # Gone without a goodbye: RST, as a killed process or a dropped mobile link does.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()

        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(15)
        assert first == [True] * CLIENTS, "every stream started before its client left"

        deadline = time.monotonic() + 5
        while (upstream.gone < CLIENTS or open_fds(worker) > baseline + 2) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert upstream.gone == CLIENTS, f"{CLIENTS - upstream.gone} upstream streams outlived their client"
        assert open_fds(worker) <= baseline + 2, f"{open_fds(worker) - baseline} sockets leaked"
        assert worker_pids(gw.proc.pid) == [worker]
        assert call(gw, "/health/liveliness")[0] == 200
    finally:
        upstream.server.close()
