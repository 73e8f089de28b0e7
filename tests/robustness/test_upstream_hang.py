"""An upstream that hangs: each request ends at the deployment's timeout (504, or an error event
on a stream), the upstream connection is closed, and the same worker serves everything else
meanwhile — no worker is stuck and none is killed."""

from __future__ import annotations

import http.client
import json
import threading
import time

import pytest

from tests.conftest import MASTER
from tests.robustness.conftest import call, chat_body
from tests.support.live import worker_pids
from tests.support.load import Load
from tests.support.rawhttp import Peer, RawServer
from tests.support.upstream import Behaviour

TIMEOUT = 1.0
FIRST_EVENT = b'data: {"choices":[{"index":0,"delta":{"content":"first"}}]}\n\n'


class HangingUpstream:
    """Reads each request and never finishes the answer: nothing at all, or one SSE event."""

    def __init__(self, first_event: bool) -> None:
        self.first_event = first_event
        self.received = 0
        self.hung_up: list[float] = []  # when the gateway closed each connection
        self._lock = threading.Lock()
        self.server = RawServer(self._handle)

    def _handle(self, peer: Peer, index: int) -> None:
        if peer.read_request() is None:
            return
        with self._lock:
            self.received += 1
        if self.first_event:
            chunk = b"%x\r\n%s\r\n" % (len(FIRST_EVENT), FIRST_EVENT)
            peer.send(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
            )
            peer.send(chunk)
        peer.sock.settimeout(30)
        try:
            while peer.sock.recv(65536):
                pass
        except OSError:
            pass
        with self._lock:
            self.hung_up.append(time.monotonic())

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.port}/v1"


@pytest.fixture
def hanging():
    made: list[HangingUpstream] = []

    def make(first_event: bool) -> HangingUpstream:
        made.append(HangingUpstream(first_event))
        return made[-1]

    yield make
    for h in made:
        h.server.close()


def config(base: str) -> dict:
    params = {"model": "openai/slow", "api_base": base, "api_key": "k", "timeout": TIMEOUT}
    return {
        "model_list": [
            {"model_name": "slow", "litellm_params": {**params, "stream_timeout": TIMEOUT}},
            {"model_name": "fast", "litellm_params": {"model": "openai/fast", "mock_response": "ok"}},
        ]
    }


def test_a_hanging_upstream_times_out_and_the_worker_keeps_serving(live_gateway, pg_url, hanging):
    upstream = hanging(first_event=False)
    gw = live_gateway(config(upstream.base), {"DATABASE_URL": pg_url}, workers=1)
    worker = worker_pids(gw.proc.pid)
    fast_body = json.dumps(chat_body("fast")).encode()
    headers = {"Authorization": f"Bearer {MASTER}", "Content-Type": "application/json"}
    fast = Load(gw.port, "/v1/chat/completions", fast_body, headers, clients=4).start()

    results: list[tuple[int, float, dict]] = []
    lock = threading.Lock()

    def slow() -> None:
        start = time.monotonic()
        status, body = call(gw, "/v1/chat/completions", chat_body("slow"), timeout=30)
        with lock:
            results.append((status, time.monotonic() - start, body))

    started = time.monotonic()
    threads = [threading.Thread(target=slow) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    outcome = fast.stop()

    assert len(results) == 20
    for status, took, body in results:
        assert status == 504 and body["error"]["type"] == "upstream_error", body
        assert TIMEOUT * 0.9 <= took < TIMEOUT + 2, f"a request took {took:.2f} s for a {TIMEOUT} s timeout"
    # Meanwhile the one worker answered everyone else at once.
    during = [s for t, s in outcome.timeline if t >= started]
    assert len(during) > 50 and set(outcome.statuses) == {200}, outcome.statuses
    assert outcome.errors == [] and outcome.quantile(0.99) < 0.5
    # The gateway hung up on every hanging request, within the timeout (plus scheduling).
    deadline = time.monotonic() + 3
    while len(upstream.hung_up) < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert upstream.received == 20 and len(upstream.hung_up) == 20
    assert max(upstream.hung_up) - started < TIMEOUT + 3
    assert worker_pids(gw.proc.pid) == worker, "the worker was stuck and replaced"
    assert call(gw, "/v1/chat/completions", chat_body("fast"))[0] == 200


def test_a_stream_that_stalls_ends_with_an_error_event_and_the_upstream_is_closed(
    live_gateway, pg_url, hanging
):
    upstream = hanging(first_event=True)
    gw = live_gateway(config(upstream.base), {"DATABASE_URL": pg_url}, workers=1)
    conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=30)
    start = time.monotonic()
    conn.request(
        "POST",
        "/v1/chat/completions",
        json.dumps(chat_body("slow", stream=True)),
        {"Authorization": f"Bearer {MASTER}", "Content-Type": "application/json"},
    )
    resp = conn.getresponse()
    assert resp.status == 200
    body = resp.read()  # the whole stream: it must end by itself
    took = time.monotonic() - start
    conn.close()
    assert body.startswith(FIRST_EVENT)
    assert b'"code":"504"' in body and body.rstrip().endswith(b"data: [DONE]")
    assert TIMEOUT * 0.9 <= took < TIMEOUT + 2
    deadline = time.monotonic() + 3
    while not upstream.hung_up and time.monotonic() < deadline:
        time.sleep(0.05)
    assert upstream.hung_up, "the stalled upstream connection was left open"


def test_an_upstream_dripping_its_answer_is_cut_at_the_timeout_deadline(live_gateway, pg_url, upstream):
    # The case: a byte every few seconds kept each read under `timeout`, so a `timeout: 5`
    # request lasted 80 s. `timeout` is the whole call's deadline.
    upstream.behaviour = Behaviour(drip=0.2)  # ~60 s for the whole answer, 0.2 s per read
    params = {"model": "openai/slow", "api_base": upstream.base, "api_key": "k", "timeout": TIMEOUT}
    gw = live_gateway(
        {"model_list": [{"model_name": "slow", "litellm_params": params}]}, {"DATABASE_URL": pg_url}
    )
    start = time.monotonic()
    status, body = call(gw, "/v1/chat/completions", chat_body("slow"), timeout=30)
    took = time.monotonic() - start
    assert status == 504 and body["error"]["type"] == "upstream_error", body
    assert TIMEOUT * 0.9 <= took < TIMEOUT + 2, (
        f"a dripping answer took {took:.2f} s for a {TIMEOUT} s timeout"
    )
    assert upstream.client_gone.wait(5), "the dripping upstream connection was left open"
