"""SSE through a real gunicorn+gevent gateway: no buffering, [DONE], disconnects reach the upstream."""

from __future__ import annotations

import http.client
import json
import socket
import threading

import pytest

from tests.conftest import MASTER, model_entry
from tests.support.upstream import Behaviour

BODY = json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "stream": True})


@pytest.fixture
def gateway(live_gateway, pg_url, upstream):
    return live_gateway(
        {"model_list": [model_entry("gpt-4o", upstream.base, stream_timeout=5)]},
        {"DATABASE_URL": pg_url},
    )


def open_stream(gw, body: str = BODY) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
    conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=10)
    conn.request(
        "POST",
        "/v1/chat/completions",
        body,
        {"Authorization": f"Bearer {MASTER}", "Content-Type": "application/json"},
    )
    return conn, conn.getresponse()


def test_first_chunk_reaches_client_before_upstream_finishes(gateway, upstream):
    upstream.behaviour = Behaviour(gate=threading.Event(), chunks=3)
    conn, resp = open_stream(gateway)
    assert resp.status == 200 and resp.getheader("Content-Type").startswith("text/event-stream")
    first = resp.read1(65536)
    assert first.startswith(b"data: ") and b"tok0" in first
    assert not upstream.stream_finished.is_set()  # the upstream is still holding its stream open
    upstream.behaviour.gate.set()
    rest = resp.read()
    assert upstream.stream_finished.is_set()
    events = [e for e in (first + rest).split(b"\n\n") if e]
    assert events[-1] == b"data: [DONE]"
    assert [b"tok%d" % i in (first + rest) for i in range(3)] == [True, True, True]
    conn.close()


def test_done_is_added_when_the_upstream_omits_it(gateway, upstream):
    upstream.behaviour = Behaviour(send_done=False)
    conn, resp = open_stream(gateway)
    data = resp.read()
    assert data.endswith(b"data: [DONE]\n\n") and data.count(b"[DONE]") == 1
    conn.close()


def test_client_disconnect_closes_the_upstream_stream(gateway, upstream):
    upstream.behaviour = Behaviour(endless=True, chunk_interval=0.02)
    conn, resp = open_stream(gateway)
    assert resp.read1(65536).startswith(b"data: ")
    conn.sock.shutdown(socket.SHUT_RDWR)
    conn.close()
    assert upstream.client_gone.wait(5), "the upstream kept streaming to a client that left"


def test_upstream_error_on_a_stream_request_is_json(gateway, upstream):
    upstream.behaviour = Behaviour(
        status=429, error_body=b'{"error":{"message":"slow down","type":"rate_limit_error"}}'
    )
    conn, resp = open_stream(gateway)
    assert resp.status == 429
    assert json.loads(resp.read())["error"]["message"] == "slow down"
    conn.close()
