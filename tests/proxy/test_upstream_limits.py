"""The upstream client's limits: a cap on a body read whole (streams are relayed, never held), and
`timeout` as the deadline of the whole call with `stream_timeout` bounding a stream's first byte
and every gap between its reads."""

from __future__ import annotations

import threading
import time
import tracemalloc

import orjson
import pytest

from gateway.errors import UpstreamError, UpstreamTimeout
from gateway.proxy.response import BodyReadTimeout
from gateway.proxy.upstream import UpstreamClient
from tests.conftest import auth
from tests.support.rawhttp import Peer, RawServer

HEADERS = {"Content-Type": "application/json"}
BODY = b'{"model":"m","messages":[]}'
MIB = 1024 * 1024
SSE_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
EVENT = b"data: " + orjson.dumps({"choices": [{"index": 0, "delta": {"content": "x" * 16000}}]}) + b"\n\n"
CHUNK = b"%x\r\n%s\r\n" % (len(EVENT), EVENT)


@pytest.fixture
def client():
    c = UpstreamClient(max_body=MIB)
    yield c
    c.clear()


def hung_up(peer: Peer, until: float = 5.0) -> bool:
    """Whether the gateway closed the connection (reads EOF) within `until` seconds."""
    peer.sock.settimeout(until)
    try:
        while peer.sock.recv(65536):
            pass
    except TimeoutError:
        return False
    except OSError:
        pass
    return True


# --- the body cap -------------------------------------------------------------------------------


def test_a_content_length_over_the_cap_is_502_before_reading_the_body(served, client):
    def handler(peer: Peer, index: int) -> None:
        peer.read_request()
        peer.send(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (600 * MIB))
        time.sleep(5)  # not a byte of the announced body: only the header can end this early

    server = served(handler)
    start = time.monotonic()
    with pytest.raises(UpstreamError) as err:
        client.send(server.url(), BODY, HEADERS, 10, stream=False)
    assert err.value.status == 502 and "max_response_size_mb" in err.value.message
    assert "1 MiB" in err.value.message
    assert time.monotonic() - start < 2
    assert client.pool.idle_count() == 0


@pytest.mark.parametrize("framing", ["chunked", "close"])
def test_a_body_without_length_stops_at_the_cap_and_the_connection_is_closed(served, client, framing):
    closed = threading.Event()

    def handler(peer: Peer, index: int) -> None:
        peer.read_request()
        if framing == "chunked":
            peer.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            piece = b"%x\r\n%s\r\n" % (64 * 1024, b"a" * 64 * 1024)
        else:
            peer.send(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
            piece = b"a" * 64 * 1024
        try:
            for _ in range(10_000):  # 640 MiB if nobody stops reading
                peer.send(piece)
        except OSError:
            closed.set()

    server = served(handler)
    with pytest.raises(UpstreamError) as err:
        client.send(server.url(), BODY, HEADERS, 10, stream=False)
    assert err.value.status == 502 and "max_response_size_mb" in err.value.message
    assert closed.wait(5), "the gateway kept reading past its cap"


def test_an_error_answer_to_a_stream_is_capped_too(served, client):
    def handler(peer: Peer, index: int) -> None:
        peer.read_request()
        peer.send(b"HTTP/1.1 500 Oops\r\nContent-Length: %d\r\n\r\n" % (2 * MIB))
        peer.send(b"e" * 2 * MIB)

    server = served(handler)
    with pytest.raises(UpstreamError, match="max_response_size_mb"):
        client.send(server.url(), BODY, HEADERS, 10, stream=True)


def test_a_stream_longer_than_the_cap_is_relayed_whole(served, client):
    n = 200  # ~3 MiB of events through a 1 MiB cap

    def handler(peer: Peer, index: int) -> None:
        peer.read_request()
        peer.send(SSE_HEAD + CHUNK * n + b"0\r\n\r\n")

    server = served(handler)
    resp = client.send(server.url(), BODY, HEADERS, 10, stream=True)
    assert b"".join(resp.chunks()) == EVENT * n


def sse_app(make_app, server: RawServer, **general):
    entry = {
        "model_name": "m",
        "litellm_params": {
            "model": "openai/m",
            "api_base": f"http://127.0.0.1:{server.port}/v1",
            "api_key": "k",
        },
    }
    return make_app({"model_list": [entry], "general_settings": general})


def test_the_cap_is_general_settings_max_response_size_mb_and_a_502_envelope(make_app, served):
    big = orjson.dumps({"choices": [], "pad": "p" * (2 * MIB)})

    def handler(peer: Peer, index: int) -> None:
        while peer.read_request() is not None:
            peer.send(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(big), big))

    server = served(handler)
    chat = {"model": "m", "messages": []}
    small = sse_app(make_app, server, max_response_size_mb=1)
    resp = small.test_client().post("/v1/chat/completions", json=chat, headers=auth())
    assert resp.status_code == 502, resp.json
    err = resp.json["error"]
    assert err["type"] == "upstream_error" and err["code"] == "502"
    assert "max_response_size_mb" in err["message"]
    roomy = sse_app(make_app, server)  # the default, 64 MiB, is far above any real completion
    assert roomy.test_client().post("/v1/chat/completions", json=chat, headers=auth()).status_code == 200


def test_a_relayed_stream_is_never_held_in_memory(make_app, served):
    n = 2000  # ~32 MiB of SSE

    def handler(peer: Peer, index: int) -> None:
        peer.read_request()
        peer.send(SSE_HEAD)
        for _ in range(n):
            peer.send(CHUNK)
        peer.send(b"e\r\ndata: [DONE]\n\n\r\n0\r\n\r\n")

    server = served(handler)
    app = sse_app(make_app, server, max_response_size_mb=1)
    chat = {"model": "m", "messages": [], "stream": True}
    resp = app.test_client().post("/v1/chat/completions", json=chat, headers=auth(), buffered=False)
    assert resp.status_code == 200
    body = iter(resp.response)
    first = next(body)  # relaying has started; from here on, nothing may pile up
    tracemalloc.start()
    try:
        total = len(first) + sum(len(part) for part in body)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        resp.close()
    assert total >= len(EVENT) * n
    assert peak < 4 * MIB, f"relaying {total / MIB:.0f} MiB held {peak / MIB:.1f} MiB at once"


# --- timeout is a deadline, stream_timeout a gap ---------------------------------------------------


def dripping(head: bytes, body: bytes, every: float):
    """Sends `head` then `body` one byte per `every` seconds: each read is quick, the whole is slow."""

    def handler(peer: Peer, index: int) -> None:
        peer.read_request()
        peer.send(head)
        for i in range(len(body)):
            peer.send(body[i : i + 1])
            time.sleep(every)

    return handler


def test_a_body_dripping_a_byte_per_read_timeout_ends_at_the_deadline(served, client):
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n"
    server = served(dripping(head, b"x" * 40, 0.1))  # 4 s in all, 0.1 s between bytes
    start = time.monotonic()
    with pytest.raises(UpstreamTimeout) as err:
        client.send(server.url(), BODY, HEADERS, 1.0, stream=False)
    took = time.monotonic() - start
    assert 0.9 <= took < 1.6, took
    assert err.value.status == 504 and "within 1 s" in err.value.message


def test_a_head_dripping_a_byte_per_read_timeout_ends_at_the_deadline(served, client):
    server = served(dripping(b"", b"HTTP/1.1 200 OK\r\nX-Slow: " + b"s" * 40, 0.1))
    start = time.monotonic()
    with pytest.raises(UpstreamTimeout):
        client.send(server.url(), BODY, HEADERS, 1.0, stream=False)
    assert 0.9 <= time.monotonic() - start < 1.6


def test_stream_timeout_bounds_the_time_to_the_first_byte(served, client):
    def handler(peer: Peer, index: int) -> None:
        peer.read_request()
        time.sleep(3)
        peer.send(SSE_HEAD)

    server = served(handler)
    start = time.monotonic()
    with pytest.raises(UpstreamTimeout) as err:
        client.send(server.url(), BODY, HEADERS, 10, stream=True, stream_timeout=0.3)
    assert time.monotonic() - start < 1.0
    assert "did not start the stream within 0.3 s" in err.value.message


def test_stream_timeout_bounds_each_gap_and_timeout_the_whole_stream(served, client):
    def stalls(peer: Peer, index: int) -> None:
        peer.read_request()
        peer.send(SSE_HEAD + CHUNK)
        time.sleep(3)

    resp = client.send(served(stalls).url(), BODY, HEADERS, 10, stream=True, stream_timeout=0.3)
    chunks = resp.chunks()
    assert next(chunks) == EVENT
    start = time.monotonic()
    with pytest.raises(BodyReadTimeout) as gap:
        next(chunks)
    assert time.monotonic() - start < 1.0 and gap.value.by_deadline is False

    def drips(peer: Peer, index: int) -> None:  # an event every 0.1 s: never a gap, never an end
        peer.read_request()
        peer.send(SSE_HEAD)
        for _ in range(50):
            peer.send(CHUNK)
            time.sleep(0.1)

    start = time.monotonic()
    resp = client.send(served(drips).url(), BODY, HEADERS, 1.0, stream=True, stream_timeout=0.5)
    with pytest.raises(BodyReadTimeout) as late:
        for _ in resp.chunks():
            pass
    assert 0.9 <= time.monotonic() - start < 1.6 and late.value.by_deadline is True


def test_a_stream_past_its_deadline_ends_with_an_error_event(make_app, served):
    def drips(peer: Peer, index: int) -> None:
        peer.read_request()
        peer.send(SSE_HEAD)
        for _ in range(50):
            peer.send(CHUNK)
            time.sleep(0.1)

    server = served(drips)
    entry = {
        "model_name": "m",
        "litellm_params": {
            "model": "openai/m",
            "api_base": f"http://127.0.0.1:{server.port}/v1",
            "timeout": 1,
            "stream_timeout": 0.5,
        },
    }
    app = make_app({"model_list": [entry]})
    start = time.monotonic()
    chat = {"model": "m", "messages": [], "stream": True}
    resp = app.test_client().post("/v1/chat/completions", json=chat, headers=auth())
    data = resp.get_data()
    assert resp.status_code == 200 and time.monotonic() - start < 2
    last = data.rstrip().split(b"\n\n")
    assert last[-1] == b"data: [DONE]"
    error = orjson.loads(last[-2].removeprefix(b"data: "))["error"]
    assert error["code"] == "504" and error["type"] == "upstream_error"
    assert "did not end within its timeout" in error["message"]
