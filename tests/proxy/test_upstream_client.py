"""The upstream client on the wire: framing, keep-alive, stale connections, timeouts, TLS."""

from __future__ import annotations

import ssl
import threading
import time

import pytest

from gateway.errors import UpstreamError, UpstreamTimeout
from gateway.proxy.http1 import ChunkDecoder, ProtocolViolation
from gateway.proxy.response import BodyError, BodyReadTimeout
from gateway.proxy.upstream import ConnectFailed, UpstreamClient
from tests.support.net import Blackhole, closed_port
from tests.support.rawhttp import Peer
from tests.support.tls import TestCA

HEADERS = {"Content-Type": "application/json", "Authorization": "Bearer upstream-secret"}
BODY = b'{"model":"m","messages":[]}'
OK = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}'


@pytest.fixture
def client():
    c = UpstreamClient()
    yield c
    c.clear()


def answer(*responses: bytes, then_close: bool = False):
    """A handler that reads one request per response and writes it back, on every connection."""

    def handler(peer: Peer, index: int) -> None:
        for response in responses:
            if peer.read_request() is None:
                return
            peer.send(response)
        if then_close:
            peer.sock.close()
        else:
            while peer.read_request() is not None:
                peer.send(responses[-1])

    return handler


def test_request_goes_out_in_one_piece_with_host_and_length(served, client):
    seen: list[bytes] = []

    def handler(peer: Peer, index: int) -> None:
        seen.append(peer.read_request())
        peer.send(OK)

    server = served(handler)
    resp = client.send(server.url("/v1/chat/completions?api-version=1"), BODY, HEADERS, 5, stream=False)
    assert (resp.status, resp.body(), resp.headers["content-type"]) == (
        200,
        b'{"ok":true}',
        "application/json",
    )
    head, _, body = seen[0].partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /v1/chat/completions?api-version=1 HTTP/1.1"
    assert f"Host: 127.0.0.1:{server.port}".encode() in lines
    assert b"Content-Length: %d" % len(BODY) in lines
    assert b"Authorization: Bearer upstream-secret" in lines
    assert body == BODY


def test_keep_alive_reuses_one_connection(served, client):
    server = served(answer(OK))
    for _ in range(5):
        assert client.send(server.url(), BODY, HEADERS, 5, stream=False).body() == b'{"ok":true}'
    assert server.accepted == 1


def test_connection_close_and_http10_are_not_reused(served, client):
    close = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi"
    http10 = b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi"
    for response in (close, http10):
        server = served(answer(response, then_close=True))
        for _ in range(3):
            assert client.send(server.url(), BODY, HEADERS, 5, stream=False).body() == b"hi"
        assert server.accepted == 3


def test_body_delimited_by_close(served, client):
    server = served(answer(b"HTTP/1.1 200 OK\r\n\r\nuntil the end", then_close=True))
    assert client.send(server.url(), BODY, HEADERS, 5, stream=False).body() == b"until the end"
    assert client.pool.idle_count() == 0


def test_interim_1xx_responses_are_skipped(served, client):
    response = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n" + OK
    server = served(answer(response))
    resp = client.send(server.url(), BODY, HEADERS, 5, stream=False)
    assert (resp.status, resp.body()) == (200, b'{"ok":true}')


def test_no_body_statuses_leave_the_connection_reusable(served, client):
    server = served(answer(b"HTTP/1.1 204 No Content\r\n\r\n"))
    for _ in range(3):
        resp = client.send(server.url(), BODY, HEADERS, 5, stream=False)
        assert (resp.status, resp.body()) == (204, b"")
    assert server.accepted == 1


CHUNKED = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"d\r\ndata: first\n\n\r\n"
    b"e;ext=1\r\ndata: second\n\n\r\n"
    b"0\r\nX-Trailer: yes\r\n\r\n"
)


def test_chunked_body_with_extensions_and_trailers(served, client):
    server = served(answer(CHUNKED))
    for _ in range(2):  # and the connection stays usable after the trailer section
        resp = client.send(server.url(), BODY, HEADERS, 5, stream=True)
        assert resp.headers["transfer-encoding"] == "chunked"
        assert b"".join(resp.chunks()) == b"data: first\n\ndata: second\n\n"
        resp.close()
    assert server.accepted == 1


def test_stream_yields_each_event_as_it_arrives(served, client):
    gate = threading.Event()

    def handler(peer: Peer, index: int) -> None:
        peer.read_request()
        peer.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nfirst\n\r\n")
        gate.wait(5)
        peer.send(b"7\r\nsecond\n\r\n0\r\n\r\n")

    server = served(handler)
    resp = client.send(server.url(), BODY, HEADERS, 5, stream=True)
    chunks = resp.chunks()
    assert next(chunks) == b"first\n"  # before the upstream sends the rest
    gate.set()
    assert list(chunks) == [b"second\n"]


@pytest.mark.parametrize(
    "chunk",
    [b"zz\r\n", b"-5\r\nx", b"3\r\nabcXY", b"9" * 5000],
    ids=["not-hex", "negative", "no-crlf-after-data", "size-line-too-long"],
)
def test_malformed_chunks_are_protocol_errors(chunk):
    decoder = ChunkDecoder()
    with pytest.raises(ProtocolViolation):
        decoder.decode(bytearray(chunk))


@pytest.mark.parametrize(
    "response",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
        b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        b"HTTP/2 200 OK\r\n\r\n",
        b"HTTP/1.1 2000 OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nBad header line\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n",
    ],
    ids=[
        "conflicting-lengths",
        "negative-length",
        "http2",
        "bad-status",
        "no-colon",
        "folding",
        "head-too-big",
    ],
)
def test_malformed_responses_are_502_never_passed_on(served, client, response):
    server = served(answer(response, then_close=True))
    with pytest.raises(UpstreamError) as info:
        client.send(server.url(), BODY, HEADERS, 5, stream=False)
    assert info.value.status == 502


def test_body_shorter_than_its_length_is_an_error_not_a_truncated_answer(served, client):
    server = served(answer(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this", then_close=True))
    with pytest.raises(UpstreamError):
        client.send(server.url(), BODY, HEADERS, 5, stream=False)
    server2 = served(
        answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n", then_close=True)
    )
    resp = client.send(server2.url(), BODY, HEADERS, 5, stream=True)
    with pytest.raises(BodyError):
        list(resp.chunks())


def test_idle_connection_closed_by_the_upstream_is_not_used(served, client):
    def handler(peer: Peer, index: int) -> None:
        peer.read_request()
        peer.send(OK)
        peer.sock.close()  # closes the keep-alive connection right after answering

    server = served(handler)
    for _ in range(3):
        assert client.send(server.url(), BODY, HEADERS, 5, stream=False).status == 200
        time.sleep(0.05)  # the FIN arrives: the pool sees the connection readable (EOF)
    assert server.accepted == 3


def test_reused_connection_that_answers_nothing_is_retried_once(served, client):
    def handler(peer: Peer, index: int) -> None:
        peer.read_request()
        peer.send(OK)
        if index == 0:
            peer.read_request()  # the second request arrives on the kept-alive connection...
            peer.sock.close()  # ...and the upstream closes without a byte (its idle timeout)
        else:
            while peer.read_request() is not None:
                peer.send(OK)

    server = served(handler)
    assert client.send(server.url(), BODY, HEADERS, 5, stream=False).status == 200
    assert client.send(server.url(), BODY, HEADERS, 5, stream=False).status == 200
    assert server.accepted == 2


def test_fresh_connection_that_answers_nothing_is_not_retried(served, client):
    def handler(peer: Peer, index: int) -> None:
        peer.read_request()
        peer.sock.close()

    server = served(handler)
    with pytest.raises(UpstreamError):
        client.send(server.url(), BODY, HEADERS, 5, stream=False)
    assert server.accepted == 1  # a POST that may have reached the application is never repeated


def test_read_timeout_before_the_head_is_504(served, client):
    def handler(peer: Peer, index: int) -> None:
        peer.read_request()
        time.sleep(2)

    server = served(handler)
    start = time.monotonic()
    with pytest.raises(UpstreamTimeout):
        client.send(server.url(), BODY, HEADERS, 0.3, stream=False)
    assert time.monotonic() - start < 1.5


def test_read_timeout_mid_stream_raises_a_body_read_timeout(served, client):
    def handler(peer: Peer, index: int) -> None:
        peer.read_request()
        peer.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\none\r\n")
        time.sleep(2)

    server = served(handler)
    resp = client.send(server.url(), BODY, HEADERS, 0.3, stream=True)
    chunks = resp.chunks()
    assert next(chunks) == b"one"
    with pytest.raises(BodyReadTimeout):
        next(chunks)


def test_connect_refused_and_connect_timeout_are_safe_to_fail_over(client):
    with pytest.raises(ConnectFailed) as refused:
        client.send(f"http://127.0.0.1:{closed_port()}/v1/x", BODY, HEADERS, 5, stream=False)
    assert refused.value.timed_out is False
    hole = Blackhole()
    try:
        with pytest.raises(ConnectFailed) as slow:
            client.send(f"http://127.0.0.1:{hole.port}/v1/x", BODY, HEADERS, 0.3, stream=False)
        assert slow.value.timed_out is True
    finally:
        hole.close()


@pytest.mark.parametrize(
    "headers",
    [{"Authorization": "Bearer x\r\nX-Injected: 1"}, {"X-Bad\r\nName": "v"}, {"Bad Name": "v"}],
)
def test_header_injection_is_refused_before_sending(served, client, headers):
    server = served(answer(OK))
    with pytest.raises(UpstreamError):
        client.send(server.url(), BODY, headers, 5, stream=False)
    assert server.accepted == 0


def test_unread_stream_is_closed_not_returned_to_the_pool(served, client):
    server = served(answer(CHUNKED))
    resp = client.send(server.url(), BODY, HEADERS, 5, stream=True)
    resp.close()  # the client went away before reading the body
    assert client.pool.idle_count() == 0
    assert client.send(server.url(), BODY, HEADERS, 5, stream=False).status == 200
    assert server.accepted == 2


def _tls_context_pair(tmp_path):
    """A certificate for 127.0.0.1 from a test CA: the server's context and a client that trusts it."""
    ca = TestCA(tmp_path)
    return ca.server_context(("127.0.0.1",)), ssl.create_default_context(cafile=str(ca.ca_path))


def test_https_verifies_the_certificate(served, tmp_path):
    server_ctx, trusting = _tls_context_pair(tmp_path)

    def handler(peer: Peer, index: int) -> None:
        try:
            peer.sock = server_ctx.wrap_socket(peer.sock, server_side=True)
        except ssl.SSLError:
            return  # the client refused our certificate
        with peer.sock:
            while peer.read_request() is not None:
                peer.send(OK)

    server = served(handler)
    url = f"https://127.0.0.1:{server.port}/v1/chat/completions"
    good = UpstreamClient(ssl_context=trusting)
    try:
        for _ in range(2):
            assert good.send(url, BODY, HEADERS, 5, stream=False).body() == b'{"ok":true}'
        assert server.accepted == 1  # TLS connections are kept alive too
    finally:
        good.clear()
    default = UpstreamClient()  # the system's CAs: a self-signed certificate is refused
    with pytest.raises(ConnectFailed):
        default.send(url, BODY, HEADERS, 5, stream=False)


def test_a_connection_the_upstream_closed_reads_as_stale(served):
    from gateway.proxy.http1 import Connection
    from gateway.proxy.upstream import _split

    closing = threading.Event()

    def handler(peer: Peer, index: int) -> None:
        closing.wait(5)
        peer.sock.close()

    server = served(handler)
    origin, _ = _split(server.url())
    conn = Connection.open(origin, 5, None)
    try:
        assert not conn.stale()  # open and silent: usable
        closing.set()
        deadline = time.monotonic() + 5
        while not conn.stale():
            assert time.monotonic() < deadline, "the upstream's close was never seen"
            time.sleep(0.01)
    finally:
        conn.close()


def test_idle_connections_expire(served, client, monkeypatch):
    import gateway.proxy.pool as pool_module

    server = served(answer(OK))
    assert client.send(server.url(), BODY, HEADERS, 5, stream=False).status == 200
    monkeypatch.setattr(pool_module, "IDLE_TTL", 0.0)
    assert client.send(server.url(), BODY, HEADERS, 5, stream=False).status == 200
    assert server.accepted == 2


def test_pool_keeps_at_most_maxsize_idle_connections_per_origin(served):
    client = UpstreamClient(maxsize=1)
    try:
        server = served(answer(CHUNKED))
        first = client.send(server.url(), BODY, HEADERS, 5, stream=True)
        second = client.send(server.url(), BODY, HEADERS, 5, stream=True)  # the first is busy
        for resp in (first, second):
            assert list(resp.chunks())
            resp.close()
        assert server.accepted == 2
        assert client.pool.idle_count() == 1
    finally:
        client.clear()
