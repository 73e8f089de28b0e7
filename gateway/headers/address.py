"""Stage 1: the client's address. The socket peer, unless the peer is a trusted proxy: then the
hop its forwarding header (X-Forwarded-For, or RFC 7239 Forwarded) names, walked from the right
past every trusted proxy, so a client cannot pick its own address by sending the header itself."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from ..errors import BadRequest

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_address(text: str) -> IPAddress | None:
    """One hop as proxies write it: `1.2.3.4`, `1.2.3.4:80`, `[2001:db8::1]:443`, `2001:db8::1`,
    quoted (Forwarded); None for `unknown`, an obfuscated name (`_hidden`) or garbage. An
    IPv4-mapped IPv6 address (a dual-stack socket's peer) is its IPv4 address."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    if text.startswith("["):
        host, sep, _ = text[1:].partition("]")
        if not sep:
            return None
    elif text.count(":") == 1:
        host = text.partition(":")[0]  # IPv4 with a port
    else:
        host = text
    try:
        addr = ipaddress.ip_address(host.partition("%")[0])  # an IPv6 zone names no other host
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def _x_forwarded_for(value: str) -> list[IPAddress | None]:
    return [parse_address(hop) for hop in value.split(",")]


def _forwarded(value: str) -> list[IPAddress | None]:
    """RFC 7239 §4: elements by `,`, pairs by `;`; an element without `for=` is an unknown hop."""
    hops: list[IPAddress | None] = []
    for element in value.split(","):
        found: IPAddress | None = None
        for pair in element.split(";"):
            name, sep, val = pair.partition("=")
            if sep and name.strip().lower() == "for":
                found = parse_address(val)
                break
        hops.append(found)
    return hops


class AddressReader:
    """This config's trusted proxies; `read(environ)` → the client's address, None if unknown."""

    def __init__(self, trusted_proxies: tuple[str, ...]) -> None:
        self.trusted: tuple[IPNetwork, ...] = tuple(ipaddress.ip_network(c) for c in trusted_proxies)

    def _is_trusted(self, addr: IPAddress | None) -> bool:
        return addr is not None and any(addr in net for net in self.trusted)

    def _walk(self, peer: IPAddress, hops: list[IPAddress | None]) -> IPAddress | None:
        # From the right: each trusted hop vouches for the one before it; the first hop that is
        # not a trusted proxy (or cannot be read) is the client. All trusted: the leftmost.
        addr: IPAddress | None = peer
        for hop in reversed(hops):
            if not self._is_trusted(addr):
                break
            addr = hop
        return addr

    def read(self, environ: Mapping[str, Any]) -> IPAddress | None:
        peer = parse_address(environ.get("REMOTE_ADDR") or "")
        if peer is None or not self._is_trusted(peer):
            return peer  # forwarding headers from anyone else are the client's own words
        xff, fwd = environ.get("HTTP_X_FORWARDED_FOR"), environ.get("HTTP_FORWARDED")
        by_xff = self._walk(peer, _x_forwarded_for(xff)) if xff else None
        by_fwd = self._walk(peer, _forwarded(fwd)) if fwd else None
        if xff and fwd and by_xff != by_fwd:
            # A proxy sets one of them; the other then came from the client. Which is which
            # cannot be told here, so neither is believed (as gunicorn refuses clashing scheme headers).
            raise BadRequest(
                "X-Forwarded-For and Forwarded name different clients.", reason="forwarded_clash"
            )
        if xff:
            return by_xff
        if fwd:
            return by_fwd
        return peer
