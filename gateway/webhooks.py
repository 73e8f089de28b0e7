"""Delivering a webhook: one POST (signed with HMAC-SHA256 over the body when a secret is set),
retried with backoff. Used for rotated keys (whose payload holds the new plaintext: it lives only
in memory here and is never logged) and for alerts (gateway/alerts.py)."""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

import orjson
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

log = logging.getLogger(__name__)

TIMEOUT = (3.0, 10.0)  # connect, read: each attempt
ATTEMPTS = 4
BACKOFF = 0.5  # seconds before the first retry, doubled before each next one
NOT_2XX = frozenset(range(300, 600))


class DeliveryFailed(Exception):
    pass


def sign(secret: str, body: bytes) -> str:
    """The `X-Gateway-Signature` value a receiver recomputes: `sha256=` + hex HMAC of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class _Retry(Retry):
    """urllib3 retries a first failure at once; a receiver that just failed gets BACKOFF first."""

    def get_backoff_time(self) -> float:
        return self.backoff_factor * 2 ** (len(self.history) - 1) if self.history else 0.0


def _retry(attempts: int, backoff: float) -> Retry:
    return _Retry(
        total=attempts - 1,
        backoff_factor=backoff,
        status_forcelist=NOT_2XX,  # anything but a 2xx is tried again (redirects are not followed)
        allowed_methods=None,  # POST too: the receiver must accept the same delivery twice
        raise_on_status=False,  # the last answer is returned, and refused below
        respect_retry_after_header=False,
    )


def deliver(
    url: str,
    secret: str | None,
    payload: dict[str, Any],
    attempts: int | None = None,
    what: str = "key rotation webhook",
) -> None:
    """POST until a 2xx answer; DeliveryFailed after `attempts` tries (ATTEMPTS by default).
    Unsigned when `secret` is None (LiteLLM's alert webhooks are not signed)."""
    attempts = attempts or ATTEMPTS
    body = orjson.dumps(payload)
    headers = {"Content-Type": "application/json", "X-Gateway-Event": str(payload.get("event", ""))}
    if secret is not None:
        headers["X-Gateway-Signature"] = sign(secret, body)
    # A session per delivery: webhooks are rare, so no pool survives a fork to be shared.
    with requests.Session() as session:
        session.mount("http://", HTTPAdapter(max_retries=_retry(attempts, BACKOFF)))
        session.mount("https://", HTTPAdapter(max_retries=_retry(attempts, BACKOFF)))
        try:
            resp = session.post(url, data=body, headers=headers, timeout=TIMEOUT, allow_redirects=False)
        except requests.RequestException as exc:
            last = type(exc).__name__
        else:
            if 200 <= resp.status_code < 300:
                return
            last = f"HTTP {resp.status_code}"
    log.warning("%s failed after %d attempts (%s)", what, attempts, last)
    raise DeliveryFailed(last)
