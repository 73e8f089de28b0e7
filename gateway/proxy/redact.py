"""Secrets in relayed text: every configured secret, and the request's own, masked out of the
upstream error bodies the gateway passes on (an upstream echoing a key must not leak it)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask import request

from ..errors import AuthError
from ..settings import Settings
from ..values import Credential, mask

ReadCredential = Callable[[Mapping[str, Any]], Credential | None]

# Shorter values are not masked: a 4-character test key would blank out ordinary words.
MIN_SECRET = 8


def _encoded(values: Iterable[str | None]) -> list[bytes]:
    return [v.encode() for v in values if isinstance(v, str) and len(v) >= MIN_SECRET]


class Redactor:
    """The configured secrets, built once at start-up, longest first (a secret containing another
    is masked whole)."""

    def __init__(self, secrets: Iterable[str | None], credentials: ReadCredential | None = None) -> None:
        self._secrets = tuple(sorted(set(_encoded(secrets)), key=len, reverse=True))
        self._credentials = credentials  # stage 1's reader: the caller's own key is masked too

    @classmethod
    def from_settings(cls, settings: Settings, credentials: ReadCredential) -> Redactor:
        keys = [d.api_key for d in settings.deployments]
        return cls([settings.master_key, settings.key_rotation_webhook_secret, *keys], credentials)

    def redact(self, data: bytes, extra: Iterable[str | None] = ()) -> bytes:
        """`data` with each secret replaced by what may be shown of it (`sk-...` + last four)."""
        own = _encoded(extra)
        secrets = sorted({*self._secrets, *own}, key=len, reverse=True) if own else self._secrets
        for secret in secrets:
            if secret in data:
                data = data.replace(secret, mask(secret.decode()).encode())
        return data

    def scrub(self, data: bytes, *extra: str | None) -> bytes:
        """Upstream text about to reach the client (in a request context), with every configured
        secret, the caller's own key and `extra` (a client-side api_key) masked."""
        return self.redact(data, (self._caller_key(), *extra))

    def _caller_key(self) -> str | None:
        """The key the caller authenticated with (read again: only error bodies need it)."""
        if self._credentials is None:
            return None
        try:
            credential = self._credentials(request.environ)
        except AuthError:
            return None
        return credential.value if credential else None
