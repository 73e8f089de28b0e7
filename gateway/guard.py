"""The one auth guard of every blueprint (client, admin, /metrics): stages 1, 2 and 4's first check."""

from __future__ import annotations

from flask import Request, g

from .authz import authorize
from .stages import stages
from .values import Principal


def guard(request: Request) -> Principal:
    """The caller's Principal, if it may call this route: its credential read (headers), vouched
    for (auth chain), in good standing and allowed the route (authz). Kept as `g.principal` for the
    views and the request metric; deny by default, with the error table's 401/403/503."""
    s = stages()
    credential = s.credentials.read(request.environ)
    principal = s.auth.authenticate(credential, request)
    authorize(principal, request.path)
    g.principal = principal
    return principal
