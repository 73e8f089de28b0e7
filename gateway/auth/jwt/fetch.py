"""Fetching a JWK Set over HTTP (RFC 7517 §5), directly or through OIDC discovery's `jwks_uri`."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson
import requests
from joserfc.errors import JoseError
from joserfc.jwk import JWKRegistry, Key

from ... import forks

log = logging.getLogger(__name__)

TIMEOUT = (3.05, 5.0)  # (connect, read) for each call
TOTAL_TIMEOUT = 10.0  # for a whole body, so a server dripping bytes cannot hold a fetch
MAX_BODY = 1024 * 1024
MAX_KEYS = 64
SIGNING_KTYS = frozenset({"RSA", "EC", "OKP"})


class FetchError(Exception):
    """The IdP did not give a usable key set; str() is a short reason for a log line."""


@dataclass(frozen=True, slots=True)
class KeyRing:
    """The signing keys of one JWK Set; `document` is kept to share the set through Redis."""

    document: Mapping[str, Any]
    by_kid: Mapping[str, Key]
    keys: tuple[Key, ...]


def _usable(entry: Any) -> bool:
    if not isinstance(entry, dict) or entry.get("kty") not in SIGNING_KTYS:
        return False  # `oct` (a shared secret) never verifies a token here
    if entry.get("use", "sig") != "sig":
        return False  # Keycloak publishes its RSA-OAEP encryption key beside the signing keys
    ops = entry.get("key_ops")
    return ops is None or (isinstance(ops, list) and "verify" in ops)


def parse_jwks(document: Any) -> KeyRing:
    """The usable signing keys of a JWK Set document; keys that do not import are skipped."""
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise FetchError("not a JWK Set (no 'keys' list)")
    keys: list[Key] = []
    by_kid: dict[str, Key] = {}
    for entry in entries[:MAX_KEYS]:
        if not _usable(entry):
            continue
        try:
            key = JWKRegistry.import_key(entry)
        except (JoseError, ValueError, TypeError) as exc:
            log.warning("JWKS: skipping a key that does not import (kid %r): %s", entry.get("kid"), exc)
            continue
        keys.append(key)
        kid = entry.get("kid")
        if isinstance(kid, str):
            by_kid.setdefault(kid, key)
    if not keys:
        raise FetchError("no usable signing key in the JWK Set")
    return KeyRing({"keys": entries[:MAX_KEYS]}, by_kid, tuple(keys))


class Fetcher:
    """GETs JSON with timeouts and a size cap, over one requests.Session per process."""

    def __init__(self, timeout: tuple[float, float] = TIMEOUT, total_timeout: float = TOTAL_TIMEOUT) -> None:
        self.timeout = timeout
        self.total_timeout = total_timeout
        self._session: requests.Session | None = None
        forks.on_fork(self._after_fork)

    def _after_fork(self) -> None:
        self._session = None  # never share a pool across a fork: the parent's connections are its own

    def _http(self) -> requests.Session:
        if self._session is None:
            self._session = requests.Session()
        return self._session

    def get_json(self, url: str) -> Any:
        deadline = time.monotonic() + self.total_timeout
        try:
            with self._http().get(
                url, timeout=self.timeout, stream=True, headers={"Accept": "application/json"}
            ) as resp:
                if resp.status_code != 200:
                    raise FetchError(f"HTTP {resp.status_code} from {url}")
                body = bytearray()
                for chunk in resp.iter_content(65536):
                    body += chunk
                    if len(body) > MAX_BODY:
                        raise FetchError(f"{url} answered more than {MAX_BODY} bytes")
                    if time.monotonic() > deadline:
                        raise FetchError(f"{url} took longer than {self.total_timeout} s")
        except requests.RequestException as exc:
            raise FetchError(f"{url} unreachable ({type(exc).__name__})") from None
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            raise FetchError(f"{url} did not answer JSON") from None

    def fetch(self, url: str) -> KeyRing:
        """A JWKS URL gives the set; a discovery document is followed to its `jwks_uri`."""
        document = self.get_json(url)
        if isinstance(document, dict) and "keys" not in document and "jwks_uri" in document:
            jwks_uri = document["jwks_uri"]
            parts = urlsplit(jwks_uri) if isinstance(jwks_uri, str) else None
            if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
                raise FetchError(f"discovery document at {url} has no usable jwks_uri")
            document = self.get_json(jwks_uri)
        return parse_jwks(document)
