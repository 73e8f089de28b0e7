"""The client's address: the socket peer, or a trusted proxy's forwarding header walked from the right."""

from __future__ import annotations

import ipaddress

import pytest

from gateway.errors import BadRequest
from gateway.headers.address import AddressReader, parse_address

TRUSTED = AddressReader(("10.0.0.0/8", "2001:db8:ffff::/48"))
ip = ipaddress.ip_address


def read(reader: AddressReader, peer: str, **headers: str):
    environ = {"REMOTE_ADDR": peer}
    environ.update({"HTTP_" + k.upper(): v for k, v in headers.items()})
    return reader.read(environ)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("192.0.2.1", "192.0.2.1"),
        (" 192.0.2.1 ", "192.0.2.1"),
        ("192.0.2.1:8080", "192.0.2.1"),
        ("2001:db8::1", "2001:db8::1"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ('"[2001:db8::1]"', "2001:db8::1"),
        ("::ffff:192.0.2.7", "192.0.2.7"),  # a dual-stack socket's IPv4 peer
        ("fe80::1%eth0", "fe80::1"),
        ("unknown", None),
        ("_hidden", None),
        ("", None),
        ("[2001:db8::1", None),
        ("999.1.1.1", None),
    ],
)
def test_parse_address(text, expected):
    assert parse_address(text) == (ip(expected) if expected else None)


def test_headers_from_an_untrusted_peer_are_ignored():
    assert read(TRUSTED, "192.0.2.9", x_forwarded_for="10.1.1.1") == ip("192.0.2.9")
    assert read(TRUSTED, "192.0.2.9", forwarded="for=10.1.1.1") == ip("192.0.2.9")
    assert read(AddressReader(()), "127.0.0.1", x_forwarded_for="10.1.1.1") == ip("127.0.0.1")


def test_a_trusted_peer_without_header_is_the_client():
    assert read(TRUSTED, "10.0.0.5") == ip("10.0.0.5")


def test_the_client_is_the_first_untrusted_hop_from_the_right():
    # The client prepended a forged hop; the trusted proxy appended the address it saw.
    assert read(TRUSTED, "10.0.0.5", x_forwarded_for="203.0.113.66, 198.51.100.7") == ip("198.51.100.7")
    # Two trusted proxies in a row: both skipped.
    assert read(TRUSTED, "10.0.0.5", x_forwarded_for="1.1.1.1, 198.51.100.7, 10.9.9.9") == ip("198.51.100.7")
    # Only trusted hops: the leftmost (an internal client).
    assert read(TRUSTED, "10.0.0.5", x_forwarded_for="10.2.2.2, 10.3.3.3") == ip("10.2.2.2")


def test_an_unreadable_hop_where_the_client_should_be_is_unknown():
    assert read(TRUSTED, "10.0.0.5", x_forwarded_for="1.1.1.1, garbage") is None
    # ... but garbage left of the real client is never reached.
    assert read(TRUSTED, "10.0.0.5", x_forwarded_for="garbage, 198.51.100.7") == ip("198.51.100.7")


def test_forwarded_header_rfc7239():
    value = 'for=203.0.113.66;proto=https, for="[2001:db8::cafe]:4711";by=10.0.0.1, for=10.4.4.4'
    assert read(TRUSTED, "10.0.0.5", forwarded=value) == ip("2001:db8::cafe")
    assert read(TRUSTED, "10.0.0.5", forwarded="For=198.51.100.1") == ip("198.51.100.1")
    assert read(TRUSTED, "10.0.0.5", forwarded="proto=https") is None  # a hop that names no one
    assert read(TRUSTED, "10.0.0.5", forwarded="for=unknown") is None


def test_ipv6_proxies():
    assert read(TRUSTED, "2001:db8:ffff::1", x_forwarded_for="2001:db8:1::9") == ip("2001:db8:1::9")


def test_both_headers_must_agree():
    same = read(TRUSTED, "10.0.0.5", x_forwarded_for="198.51.100.7", forwarded="for=198.51.100.7")
    assert same == ip("198.51.100.7")
    with pytest.raises(BadRequest, match="different clients"):
        read(TRUSTED, "10.0.0.5", x_forwarded_for="198.51.100.7", forwarded="for=10.7.7.7")
