"""Fixtures for the jobs: a webhook receiver and an app configured to rotate keys through it."""

from __future__ import annotations

import pytest

from tests.keys.conftest import MODELS

SECRET = "test-webhook-secret-0123456789"


def rotation_config(url: str, grace: str = "2s", **general) -> dict:
    return {
        **MODELS,
        "general_settings": {
            "key_rotation_webhook_url": url,
            "key_rotation_webhook_secret": SECRET,
            "key_rotation_grace_period": grace,
            **general,
        },
    }


@pytest.fixture
def japp(make_app, webhook, redis_url):
    return make_app(rotation_config(webhook.url), env={"REDIS_URL": redis_url})
