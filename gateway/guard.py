"""The one auth guard of every blueprint (client, admin, /metrics): stages 1, 2 and 4's first check."""

from __future__ import annotations

from flask import Request, g

from .authz import authorize, authorize_address
from .stages import stages
from .values import Principal


def guard(request: Request) -> Principal:
    """The caller's Principal, if it may call this route: from an allowed network (the gateway's
    `allowed_ips` before any credential is looked at, then its key's), its credential read
    (headers), vouched for (auth chain), in good standing and allowed the route (authz). Kept as
    `g.principal` for the views and the request metric; deny by default, with the error table's
    401/403/503. The address is read only when a list asks for it (none: nothing to pay)."""
    s = stages()
    allowed = s.settings.allowed_ips
    address = s.addresses.read(request.environ) if allowed else None
    if allowed:
        authorize_address(address, allowed, "global")
    credential = s.credentials.read(request.environ)
    principal = s.auth.authenticate(credential, request)
    if principal.allowed_ips:
        # Before the key's standing and routes: a key used from elsewhere learns nothing more.
        if not allowed:
            address = s.addresses.read(request.environ)
        authorize_address(address, principal.allowed_ips, "key")
    authorize(principal, request.path)
    g.principal = principal
    return principal
