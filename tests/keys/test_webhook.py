"""Delivering a rotated key: signed once, tried up to four times with doubling pauses, then refused."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import time

import pytest

import gateway.webhooks as hook
from tests.support.net import closed_port

PAYLOAD = {"event": "key.rotated", "key": "sk-new-0000"}


def test_a_refused_delivery_is_retried_with_doubling_pauses_and_the_same_signature(webhook, monkeypatch):
    monkeypatch.setattr(hook, "BACKOFF", 0.1)
    webhook.script = [500, 503, 302]  # any answer but a 2xx is tried again
    hook.deliver(webhook.url, "s3cret", PAYLOAD)
    assert [status for _, _, status in webhook.arrivals] == [500, 503, 302, 200]
    (delivery,) = webhook.deliveries
    expected = "sha256=" + hmac.new(b"s3cret", delivery.body, hashlib.sha256).hexdigest()
    assert {sig for _, sig, _ in webhook.arrivals} == {expected}
    times = [t for t, _, _ in webhook.arrivals]
    pauses = [b - a for a, b in itertools.pairwise(times)]
    for pause, planned in zip(pauses, (0.1, 0.2, 0.4), strict=True):
        assert planned * 0.9 <= pause < planned + 1.0, pauses


def test_after_four_refusals_the_delivery_fails(webhook, monkeypatch):
    monkeypatch.setattr(hook, "BACKOFF", 0.01)
    webhook.status = 500
    with pytest.raises(hook.DeliveryFailed, match="HTTP 500"):
        hook.deliver(webhook.url, "s3cret", PAYLOAD)
    assert webhook.refused == hook.ATTEMPTS == 4 and webhook.deliveries == []


def test_an_unreachable_receiver_is_tried_as_often_then_fails(monkeypatch):
    monkeypatch.setattr(hook, "BACKOFF", 0.05)
    started = time.monotonic()
    with pytest.raises(hook.DeliveryFailed):
        hook.deliver(f"http://127.0.0.1:{closed_port()}/rotated", "s3cret", PAYLOAD)
    assert time.monotonic() - started >= 0.05 + 0.1 + 0.2  # three pauses: four attempts
