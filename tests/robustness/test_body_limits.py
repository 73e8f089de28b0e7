"""A 100 MB body: refused with 413 without the gateway reading it, declared or chunked, and the
connection ended instead of drained, so the rest is never read either."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from tests.conftest import MASTER
from tests.keys.conftest import MODELS

MB = 1024 * 1024
HUNDRED_MB = 100 * MB
HEAD = (
    f"POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer {MASTER}\r\n"
    "Content-Type: application/json\r\n"
)


@pytest.fixture
def gateway(live_gateway, pg_url):
    config = {**MODELS, "general_settings": {"max_request_size_mb": 1}}
    return live_gateway(config, {"DATABASE_URL": pg_url})


def read_response(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        part = sock.recv(65536)
        if not part:
            break
        data += part
    return data


def test_declared_100mb_is_refused_at_once_and_the_connection_ended(gateway):
    sock = socket.create_connection(("127.0.0.1", gateway.port), timeout=10)
    start = time.monotonic()
    sock.sendall((HEAD + f"Content-Length: {HUNDRED_MB}\r\n\r\n").encode() + b'{"model": "gpt-4o", "x": "')
    head = read_response(sock)
    took = time.monotonic() - start
    assert head.startswith(b"HTTP/1.1 413"), head[:100]
    assert took < 2, "the answer came before the body: nothing of it was needed"
    sock.settimeout(5)
    rest = b""
    while part := sock.recv(65536):  # the envelope, then EOF: the gateway waits for no 100 MB
        rest += part
    assert b'"invalid_request_error"' in head + rest
    assert time.monotonic() - start < 4
    sock.close()


def test_chunked_100mb_stream_is_cut_off_early(gateway):
    sock = socket.create_connection(("127.0.0.1", gateway.port), timeout=20)
    sock.sendall((HEAD + "Transfer-Encoding: chunked\r\n\r\n").encode())
    sent, failure = [0], []
    chunk = b"%x\r\n" % MB + b"a" * MB + b"\r\n"

    def sender() -> None:
        try:
            sock.sendall(b"1a\r\n" + b'{"model": "gpt-4o", "x": "' + b"\r\n")
            while sent[0] < HUNDRED_MB:
                sock.sendall(chunk)
                sent[0] += MB
        except OSError as exc:  # the gateway ended the connection: the client cannot send more
            failure.append(exc)

    thread = threading.Thread(target=sender, daemon=True)
    thread.start()
    head = read_response(sock)
    assert head.startswith(b"HTTP/1.1 413"), head[:100]
    thread.join(30)
    assert failure, f"the gateway read all {sent[0] // MB} MB of a body it had refused"
    assert sent[0] < 30 * MB  # the 1 MB limit, the lingering read, and the sockets' buffers
    sock.close()


def test_a_small_unread_body_keeps_the_connection_alive(gateway):
    """The connection is ended only for bodies worth not reading: a 401 with a small body is
    answered and the connection stays usable (keep-alive is not given up for nothing)."""
    sock = socket.create_connection(("127.0.0.1", gateway.port), timeout=10)
    body = b'{"model": "gpt-4o", "messages": []}'
    bad = HEAD.replace(MASTER, "sk-wrong-key-000000000000")
    for _ in range(3):
        sock.sendall((bad + f"Content-Length: {len(body)}\r\n\r\n").encode() + body)
        head = read_response(sock)
        assert head.startswith(b"HTTP/1.1 401"), head[:100]
        length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0]) if b"Content-Length" in head else 0
        got = len(head.split(b"\r\n\r\n", 1)[1])
        while got < length:
            got += len(sock.recv(65536))
    sock.close()
