"""Stage 1: which request header holds the caller's credential (API.md §3, first present wins)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import AuthError
from ..values import Credential, hash_secret, mask

__all__ = ["Credential", "CredentialReader", "hash_secret", "header_table", "mask", "read_credential"]

# (WSGI environ key, header as clients spell it, whether `Bearer ` is required/stripped)
_TABLE: tuple[tuple[str, str, str], ...] = (
    ("HTTP_X_LITELLM_API_KEY", "x-litellm-api-key", "optional"),
    ("HTTP_AUTHORIZATION", "Authorization", "required"),
    ("HTTP_API_KEY", "API-Key", "raw"),
    ("HTTP_X_API_KEY", "x-api-key", "raw"),
    ("HTTP_X_GOOG_API_KEY", "x-goog-api-key", "raw"),
    ("HTTP_OCP_APIM_SUBSCRIPTION_KEY", "Ocp-Apim-Subscription-Key", "raw"),
)

MALFORMED = "Malformed API Key passed in. Ensure Key has `Bearer ` prefix."


def header_table(custom_header: str | None) -> tuple[tuple[str, str, str], ...]:
    """The priority table for this config: the configured header (if any) goes first."""
    if not custom_header:
        return _TABLE
    key = "HTTP_" + custom_header.upper().replace("-", "_")
    return ((key, custom_header, "optional"), *(row for row in _TABLE if row[0] != key))


def _strip_bearer(value: str) -> str | None:
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer":
        return None
    token = token.strip()
    return token or None


def read_credential(environ: Mapping[str, Any], table: tuple[tuple[str, str, str], ...]) -> Credential | None:
    """The first credential present in `environ` by `table`'s order; None if there is none."""
    for env_key, header, mode in table:
        value = environ.get(env_key)
        if not value:
            continue
        value = value.strip()
        if mode == "required":
            token = _strip_bearer(value)
            if token is None:
                raise AuthError(MALFORMED, reason="malformed_header")
            value = token
        elif mode == "optional" and value[:7].lower() == "bearer ":
            value = value[7:].strip()
        if not value:
            raise AuthError(MALFORMED, reason="malformed_header")
        return Credential(value=value, header=header, hash=hash_secret(value))
    return None


class CredentialReader:
    """Stage 1 as an object: this config's header table, read from a request's environ."""

    def __init__(self, custom_header: str | None) -> None:
        self.rows = header_table(custom_header)

    def read(self, environ: Mapping[str, Any]) -> Credential | None:
        return read_credential(environ, self.rows)
