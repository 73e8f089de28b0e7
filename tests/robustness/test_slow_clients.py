"""Slow clients (slowloris) against a live gunicorn gateway with 50 connection slots: a head or a
body trickled a byte at a time is cut after GATEWAY_HEADER_TIMEOUT / GATEWAY_BODY_TIMEOUT, so 200
of them held open at once do not stop the worker serving everyone else."""

from __future__ import annotations

import contextlib
import os
import select
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field

import pytest

from gateway.body import body_timeout
from gateway.cli.run import CONF
from gateway.settings import ConfigError
from tests.conftest import MASTER
from tests.keys.conftest import MODELS
from tests.support.live import LiveGateway

SLOTS = 50
HEADER_TIMEOUT = 1  # seconds; gunicorn's keepalive takes whole seconds
BODY_TIMEOUT = 1.0
TRICKLE = 0.2  # one byte this often: under any per-read timeout a server might have
HOLD = 8.0  # seconds the 200 slow connections are kept open (each cut one replaced at once)
# A slot frees every timeout; a new connection waits behind the slow ones ahead of it in the
# accept queue (200 / 50 slots ≈ 4 rounds of ~1-2 s). Without the bounds: 75 s, or forever.
SERVED_WITHIN = 9.0

SLOW_HEAD = b"GET /health/liveliness HTTP/1.1\r\nHost: gw\r\nX-Slow: "
SLOW_BODY = (
    f"POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer {MASTER}\r\n"
    "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
).encode() + b'{"model": "gpt-4o", "x": "'


@dataclass
class Slow:
    sock: socket.socket
    kind: str
    opened: float = field(default_factory=time.monotonic)
    closed: float | None = None
    got: bytes = b""

    @property
    def age(self) -> float:
        return (self.closed or time.monotonic()) - self.opened


class Slowloris:
    """`count` connections trickling a head or a body, a cut one replaced at once, from one thread."""

    def __init__(self, port: int, count: int) -> None:
        self.port, self.count = port, count
        self.open: list[Slow] = []
        self.done: list[Slow] = []
        self.replacing = True
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _connect(self, n: int) -> None:
        kind = "body" if n % 2 else "head"
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        sock.sendall(SLOW_BODY if kind == "body" else SLOW_HEAD)
        sock.setblocking(False)
        self.open.append(Slow(sock, kind))

    def _close(self, slow: Slow) -> None:
        slow.closed = time.monotonic()
        slow.sock.close()
        self.open.remove(slow)
        self.done.append(slow)

    def start(self) -> Slowloris:
        for n in range(self.count):
            self._connect(n)
        self._thread.start()
        return self

    def _run(self) -> None:
        n = self.count
        while not self._stop.is_set():
            for slow in list(self.open):
                try:
                    slow.sock.send(b"a")
                except OSError:  # the gateway closed it (RST after our byte)
                    self._close(slow)
            readable, _, _ = (
                select.select([s.sock for s in self.open], [], [], TRICKLE) if self.open else ([], 0, 0)
            )
            for slow in [s for s in self.open if s.sock in readable]:
                try:
                    data = slow.sock.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                slow.got += data
                if not data:
                    self._close(slow)
            while self.replacing and len(self.open) < self.count:
                self._connect(n)
                n += 1

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        for slow in list(self.open):
            with contextlib.suppress(OSError):
                slow.sock.close()


@pytest.fixture(scope="module")
def gateway(tmp_path_factory, pg_url):
    env = {
        "DATABASE_URL": pg_url,
        "LITELLM_MASTER_KEY": MASTER,
        "GATEWAY_WORKER_CONNECTIONS": str(SLOTS),
        "GATEWAY_HEADER_TIMEOUT": str(HEADER_TIMEOUT),
        "GATEWAY_BODY_TIMEOUT": str(BODY_TIMEOUT),
    }
    gw = LiveGateway(tmp_path_factory.mktemp("slow"), MODELS, env).start()
    yield gw
    gw.stop()


def normal_request(gw) -> float:
    start = time.monotonic()
    with urllib.request.urlopen(gw.url + "/health/liveliness", timeout=SERVED_WITHIN + 1) as resp:
        assert resp.status == 200
    return time.monotonic() - start


def test_a_trickled_head_is_cut_after_the_header_timeout(gateway):
    flood = Slowloris(gateway.port, 1)
    flood.replacing = False
    flood.start()
    deadline = time.monotonic() + 10
    while flood.open and time.monotonic() < deadline:
        time.sleep(0.05)
    flood.stop()
    [slow] = flood.done or flood.open
    assert slow.closed is not None, "a head trickled a byte per 0.2 s was held 10 s"
    assert HEADER_TIMEOUT * 0.9 <= slow.age <= HEADER_TIMEOUT + 2.5
    assert slow.got == b""  # gunicorn closes a connection whose head never came: nothing to answer


def test_a_trickled_body_is_answered_408_after_the_body_timeout(gateway):
    sock = socket.create_connection(("127.0.0.1", gateway.port), timeout=10)
    sock.sendall(SLOW_BODY)
    start, got = time.monotonic(), b""
    sock.setblocking(False)
    while time.monotonic() - start < 10 and b"\r\n\r\n" not in got:
        with contextlib.suppress(OSError):
            sock.send(b"a")
        if select.select([sock], [], [], TRICKLE)[0]:
            got += sock.recv(65536)
    took = time.monotonic() - start
    sock.close()
    assert got.startswith(b"HTTP/1.1 408"), got[:200] or f"no answer in {took:.1f} s"
    assert BODY_TIMEOUT * 0.9 <= took <= BODY_TIMEOUT + 2.5


def test_200_slow_clients_held_open_do_not_stop_normal_clients(gateway):
    flood = Slowloris(gateway.port, 200).start()
    try:
        latencies = []
        end = time.monotonic() + HOLD
        while time.monotonic() < end:
            assert len(flood.open) >= 150, "the test could not hold its slow connections open"
            latencies.append(normal_request(gateway))
    finally:
        flood.stop()
    assert len(latencies) >= 2 and max(latencies) <= SERVED_WITHIN, latencies
    # Every slow connection was cut once its slot's timeout ran out, and replaced: many more
    # than 200 were opened, and none was held longer than its wait in the queue plus a timeout.
    assert len(flood.done) >= 200, len(flood.done)
    assert max(s.age for s in flood.done + flood.open) <= SERVED_WITHIN
    answered = [s.got for s in flood.done if s.kind == "body" and s.got]
    assert answered and all(g.startswith(b"HTTP/1.1 408") for g in answered)


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5", "٣"])
def test_a_bad_header_timeout_stops_start_up_with_one_line(value):
    env = {**os.environ, "GATEWAY_HEADER_TIMEOUT": value}
    code = "import runpy, sys; runpy.run_path(sys.argv[1])"
    proc = subprocess.run(
        [sys.executable, "-c", code, CONF], env=env, capture_output=True, text=True, timeout=30
    )
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        f"config error in environment: GATEWAY_HEADER_TIMEOUT: must be a whole number of seconds, at least 1, not {value!r}"
    )


@pytest.mark.parametrize("value", ["0", "-1", "abc", "inf", "nan"])
def test_a_bad_body_timeout_is_a_config_error(value):
    with pytest.raises(ConfigError, match="GATEWAY_BODY_TIMEOUT: must be a positive number of seconds"):
        body_timeout({"GATEWAY_BODY_TIMEOUT": value})
    assert body_timeout({}) == 60 and body_timeout({"GATEWAY_BODY_TIMEOUT": "2.5"}) == 2.5
