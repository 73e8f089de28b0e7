"""Where a client-chosen api_base may connect (API.md §8): public addresses only, unless
`general_settings.clientside_api_base_allowed_hosts` allows more. Every address the host
resolves to is checked, and the connection goes to the checked address, so a DNS answer that
changes between the check and the connect (rebinding) cannot move it."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable

import gevent

DNS_TIMEOUT = 5.0
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # IPv4 embedded in the low 32 bits


class Refused(Exception):
    """The host is not a target a client may choose (or does not resolve)."""


def _embedded_v4(addr: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, 6to4, Teredo, NAT64), if any."""
    if addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    if addr.sixtofour is not None:
        return addr.sixtofour
    if addr.teredo is not None:
        return addr.teredo[1]
    if addr in _NAT64:
        return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    return None


def is_public(addr: IPAddress) -> bool:
    """Globally routable unicast: not private, loopback, link-local, shared, reserved,
    unspecified or multicast, nor an IPv6 form of such an IPv4 address."""
    if isinstance(addr, ipaddress.IPv6Address):
        v4 = _embedded_v4(addr)
        if v4 is not None and not is_public(v4):
            return False
    return addr.is_global and not addr.is_multicast


class AddressPolicy:
    """The allow-list: host names (exact, any address they resolve to) and networks (CIDR)."""

    def __init__(self, allowed: Iterable[str] = ()) -> None:
        hosts: set[str] = set()
        networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for entry in allowed:
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                hosts.add(entry.lower().rstrip("."))
        self._hosts = frozenset(hosts)
        self._networks = tuple(networks)

    def _permits(self, addr: IPAddress) -> bool:
        if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
            addr = addr.ipv4_mapped  # ::ffff:10.0.0.1 is 10.0.0.1 to the allow-list too
        return is_public(addr) or any(addr in net for net in self._networks)

    def address_for(self, host: str, port: int) -> str:
        """The checked address to connect to for `host`; Refused if it does not resolve or any of
        its addresses is not allowed."""
        try:
            with gevent.Timeout(DNS_TIMEOUT, TimeoutError):
                infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError, TimeoutError) as exc:
            raise Refused(f"{host} does not resolve ({type(exc).__name__})") from None
        found = [str(info[4][0]) for info in infos]
        if not found:
            raise Refused(f"{host} resolves to nothing")
        if host.lower().rstrip(".") not in self._hosts:
            for text in found:
                addr = ipaddress.ip_address(text.split("%", 1)[0])
                if not self._permits(addr):
                    raise Refused(f"{host} resolves to {addr}, not a public address")
        return found[0]
