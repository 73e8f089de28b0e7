"""Stage 4's network check: a caller's address must be in the gateway's `allowed_ips` and in its
key's (each a list of CIDRs; empty: anywhere). An unknown address is in no network."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from ..errors import PermissionDenied

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
NOT_ALLOWED = "Access forbidden: IP address not allowed."  # LiteLLM's wording


@lru_cache(maxsize=4096)  # one entry per distinct list: keys share a handful of lists in practice
def networks(cidrs: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """A list as stored (canonical CIDRs, checked where it was written) → networks."""
    return tuple(ipaddress.ip_network(c) for c in cidrs)


def address_allowed(address: IPAddress | None, cidrs: tuple[str, ...]) -> bool:
    if not cidrs:
        return True
    return address is not None and any(address in net for net in networks(cidrs))


def authorize_address(address: IPAddress | None, cidrs: tuple[str, ...], whose: str) -> None:
    """403 unless `address` is in one of `cidrs` (`whose` list it is: for the metrics)."""
    if not address_allowed(address, cidrs):
        raise PermissionDenied(NOT_ALLOWED, reason=f"ip_not_allowed_{whose}")
