"""Delivering a rotated key: one signed POST (HMAC-SHA256 over the body), retried with backoff.
The payload holds the new plaintext; it lives only in memory here and is never logged."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from typing import Any

import orjson
import requests

from .. import forks

log = logging.getLogger(__name__)

TIMEOUT = (3.0, 10.0)  # connect, read
ATTEMPTS = 4
BACKOFF = 0.5  # seconds, doubled after each failed attempt

_session: requests.Session | None = None


class DeliveryFailed(Exception):
    pass


def sign(secret: str, body: bytes) -> str:
    """The `X-Gateway-Signature` value a receiver recomputes: `sha256=` + hex HMAC of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _client() -> requests.Session:
    global _session
    if _session is None:
        _session = requests.Session()
    return _session


def _forget_session() -> None:
    global _session
    _session = None  # the parent's pooled connections are the parent's


forks.on_fork(_forget_session)


def deliver(
    url: str, secret: str, payload: dict[str, Any], attempts: int = ATTEMPTS, backoff: float = BACKOFF
) -> None:
    """POST until a 2xx answer; DeliveryFailed after `attempts` tries."""
    body = orjson.dumps(payload)
    headers = {
        "Content-Type": "application/json",
        "X-Gateway-Event": str(payload.get("event", "")),
        "X-Gateway-Signature": sign(secret, body),
    }
    last = ""
    for attempt in range(attempts):
        try:
            resp = _client().post(url, data=body, headers=headers, timeout=TIMEOUT, allow_redirects=False)
            if 200 <= resp.status_code < 300:
                return
            last = f"HTTP {resp.status_code}"
        except requests.RequestException as exc:
            last = type(exc).__name__
        if attempt + 1 < attempts:
            time.sleep(backoff * 2**attempt)
    log.warning("key rotation webhook failed after %d attempts (%s)", attempts, last)
    raise DeliveryFailed(last)
