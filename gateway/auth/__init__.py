"""Stage 2: the auth chain (custom → master → JWT → virtual key) that turns a credential into a Principal."""

from __future__ import annotations

from typing import Protocol

from flask import Request

from ..errors import AuthError
from ..values import Credential, Principal

NO_KEY = "No api key passed in."
INVALID = "Authentication Error, invalid API key."


class Authenticator(Protocol):
    """One link: a Principal to accept, None to abstain, an exception to deny."""

    name: str

    def authenticate(self, credential: Credential | None, request: Request) -> Principal | None: ...


class AuthChain:
    """The stage's object: its links in API.md §4's order (built by auth/links.py)."""

    def __init__(self, links: list[Authenticator]) -> None:
        self.links = links

    def authenticate(self, credential: Credential | None, request: Request) -> Principal:
        """The caller's Principal, or AuthError/ServiceUnavailable; whether it may act (expired,
        blocked, the route) is authz's question."""
        for link in self.links:
            principal = link.authenticate(credential, request)
            if principal is not None:
                return principal
        # Deny by default: nothing in the chain vouched for this caller.
        if credential is None:
            raise AuthError(NO_KEY, reason="no_key")
        raise AuthError(INVALID, reason="invalid_key")
