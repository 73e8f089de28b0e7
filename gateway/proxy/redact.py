"""Secrets in relayed text: every configured secret, and the request's own, masked out of the
upstream error bodies the gateway passes on (an upstream echoing a key must not leak it)."""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app, request

from ..errors import AuthError
from ..headers import mask, read_credential
from ..settings import Settings

# Shorter values are not masked: a 4-character test key would blank out ordinary words.
MIN_SECRET = 8


def _encoded(values: Iterable[str | None]) -> list[bytes]:
    return [v.encode() for v in values if isinstance(v, str) and len(v) >= MIN_SECRET]


class Redactor:
    """The configured secrets, built once at start-up, longest first (a secret containing another
    is masked whole)."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        self._secrets = tuple(sorted(set(_encoded(secrets)), key=len, reverse=True))

    @classmethod
    def from_settings(cls, settings: Settings) -> Redactor:
        keys = [d.api_key for d in settings.deployments]
        return cls([settings.master_key, settings.key_rotation_webhook_secret, *keys])

    def redact(self, data: bytes, extra: Iterable[str | None] = ()) -> bytes:
        """`data` with each secret replaced by what may be shown of it (`sk-...` + last four)."""
        own = _encoded(extra)
        secrets = sorted({*self._secrets, *own}, key=len, reverse=True) if own else self._secrets
        for secret in secrets:
            if secret in data:
                data = data.replace(secret, mask(secret.decode()).encode())
        return data


def _caller_key() -> str | None:
    """The key the caller authenticated with (read again: only error bodies need it)."""
    try:
        credential = read_credential(request.environ, current_app.extensions["gateway.auth"].header_rows)
    except AuthError:
        return None
    return credential.value if credential else None


def scrub(data: bytes, *extra: str | None) -> bytes:
    """Upstream text about to reach the client (in a request context), with every configured
    secret, the caller's own key and `extra` (a client-side api_key) masked."""
    return current_app.extensions["gateway.redactor"].redact(data, (_caller_key(), *extra))
