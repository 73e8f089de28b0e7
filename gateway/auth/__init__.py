"""Stage 2: the auth chain (custom → master → JWT → virtual key) that turns a request into a Principal."""

from __future__ import annotations

from typing import Protocol

from flask import Flask, Request, current_app

from ..errors import AuthError
from ..headers import Credential, header_table, read_credential
from .principal import Principal

NO_KEY = "No api key passed in."
INVALID = "Authentication Error, invalid API key."


class Authenticator(Protocol):
    """One link: a Principal to accept, None to abstain, an exception to deny."""

    name: str

    def authenticate(self, credential: Credential | None, request: Request) -> Principal | None: ...


class AuthChain:
    def __init__(self, header_rows: tuple[tuple[str, str, str], ...], links: list[Authenticator]) -> None:
        self.header_rows = header_rows
        self.links = links

    def authenticate(self, request: Request) -> Principal:
        credential = read_credential(request.environ, self.header_rows)
        for link in self.links:
            principal = link.authenticate(credential, request)
            if principal is not None:
                return principal
        # Deny by default: nothing in the chain vouched for this caller.
        if credential is None:
            raise AuthError(NO_KEY, reason="no_key")
        raise AuthError(INVALID, reason="invalid_key")


def init_app(app: Flask, links: list[Authenticator]) -> None:
    settings = app.extensions["gateway.settings"]
    app.extensions["gateway.auth"] = AuthChain(header_table(settings.key_header_name), links)


def authenticate(request: Request) -> Principal:
    """The stage's entry: the caller's Principal, or AuthError/ExpiredKey/ServiceUnavailable."""
    return current_app.extensions["gateway.auth"].authenticate(request)
