"""Client input that used to be a 500: out-of-range dates, Unicode digits, broken chunk framing."""

from __future__ import annotations

import socket

import pytest

from gateway.errors import UpstreamError
from gateway.proxy.upstream import UpstreamClient
from tests.conftest import MASTER
from tests.keys.conftest import MODELS, Admin
from tests.support.rawhttp import Peer, RawServer
from tests.test_errors import assert_envelope


@pytest.fixture
def kclient(make_app):
    return make_app(MODELS).test_client()


@pytest.mark.parametrize(
    "params",
    [{"end": "0001-01-01"}, {"end": "0001-01-30"}, {"start": "0001-01-01", "end": "9999-12-31"}],
)
def test_usage_dates_at_the_ends_of_the_calendar_are_400(kclient, params):
    """`end - 30 days` overflowed (OverflowError, a 500) for an `end` in January of year 1."""
    err = Admin(kclient).get("/usage/daily", status=400, **params)["error"]
    assert err["param"] in ("start", "end")


def test_usage_from_the_first_day_of_the_calendar_is_answered(kclient):
    assert Admin(kclient).get("/usage/daily", start="0001-01-01", end="0001-01-02")["data"] == []


@pytest.mark.parametrize("value", ["²", "٣", "\uff11", "9" * 5000, "-1", "+1", " 1", "1_0", "0"])
@pytest.mark.parametrize("name", ["page", "size"])
def test_key_list_numbers_are_ascii_digits_in_range(kclient, name, value):
    """`isdigit()` took `²` (then int() raised: a 500) and `٣` (read as 3); 5,000 digits made
    int() raise too."""
    resp = kclient.get("/key/list", query_string={name: value}, headers={"Authorization": f"Bearer {MASTER}"})
    assert assert_envelope(resp, 400, "invalid_request_error")["param"] == name


@pytest.fixture(scope="module")
def gateway(tmp_path_factory, pg_url):
    from tests.support.live import LiveGateway

    gw = LiveGateway(
        tmp_path_factory.mktemp("chunks"), MODELS, {"DATABASE_URL": pg_url, "LITELLM_MASTER_KEY": MASTER}
    )
    yield gw.start()
    gw.stop()


@pytest.mark.parametrize(
    "chunks",
    [
        b"zz\r\n{}\r\n0\r\n\r\n",  # not a hex size
        b"2\r\n{}XX0\r\n\r\n",  # no CRLF after the chunk data
        b"2;\r\n{}\r\n0\r\n\r\n",  # empty chunk extension
        b"2\r\n{}\r\n0\r\nBad Trailer\r\n\r\n",  # a trailer that is no header
    ],
)
@pytest.mark.parametrize("path", ["/v1/chat/completions", "/key/generate"])
def test_malformed_chunked_body_is_400_and_the_connection_ends(gateway, path, chunks):
    sock = socket.create_connection(("127.0.0.1", gateway.port), timeout=10)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer {MASTER}\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    sock.sendall(head.encode() + chunks)
    data = b""
    while part := sock.recv(65536):  # read to EOF: the connection must not be reused
        data += part
    sock.close()
    assert data.startswith(b"HTTP/1.1 400"), data[:200]
    assert b'"invalid_request_error"' in data and b'"code":"400"' in data
    assert data.count(b"HTTP/1.1") == 1


@pytest.mark.parametrize(
    "response",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: \xb2\r\n\r\n{}",
        b"HTTP/1.1 \xb200 OK\r\nContent-Length: 2\r\n\r\n{}",
        b"HTTP/1.1 200 OK\r\nContent-Length: " + b"9" * 5000 + b"\r\n\r\n{}",
    ],
    ids=["length-superscript-two", "status-superscript-two", "length-5000-digits"],
)
def test_unicode_digits_from_an_upstream_are_a_502(response):
    """A head is decoded as latin-1, where `²` passes isdigit() and then fails int(): a 500.
    The upstream may be the client's own (`api_base` from the body, docs/clientside_credentials.md)."""

    def handler(peer: Peer, index: int) -> None:
        if peer.read_request() is not None:
            peer.send(response)
            peer.sock.close()

    server, client = RawServer(handler), UpstreamClient()
    try:
        with pytest.raises(UpstreamError) as info:
            client.send(server.url(), b"{}", {"Content-Type": "application/json"}, 5, stream=False)
        assert info.value.status == 502
    finally:
        client.clear()
        server.close()
