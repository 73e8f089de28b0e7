"""Revocation on one instance is refused on another within one second (two gunicorn instances)."""

from __future__ import annotations

import time

import pytest
import requests

from tests.conftest import MASTER, REDIS_BASE, REDIS_TEST_DB
from tests.keys.conftest import MODELS
from tests.support.live import LiveGateway

LIMIT = 1.0


@pytest.fixture(scope="module")
def pair(pg_url, tmp_path_factory):
    env = {"DATABASE_URL": pg_url, "REDIS_URL": f"{REDIS_BASE}/{REDIS_TEST_DB}", "LITELLM_MASTER_KEY": MASTER}
    root = tmp_path_factory.mktemp("revocation")
    a = LiveGateway(root / "a", MODELS, env, workers=1).start()
    b = LiveGateway(root / "b", MODELS, env, workers=2).start()
    yield a, b
    a.stop()
    b.stop()


def admin(gw, path: str, body: dict) -> dict:
    resp = requests.post(gw.url + path, json=body, headers={"Authorization": f"Bearer {MASTER}"}, timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()


def chat(gw, key: str, model: str = "gpt-4o") -> int:
    # A new connection each time, so B's two workers both get asked.
    resp = requests.post(
        gw.url + "/v1/chat/completions",
        json={"model": model, "messages": []},
        headers={"Authorization": f"Bearer {key}", "Connection": "close"},
        timeout=10,
    )
    return resp.status_code


def warm(gw, key: str) -> None:
    assert all(chat(gw, key) == 200 for _ in range(6))


def refused_within(gw, key: str, status: int, model: str = "gpt-4o") -> float:
    start = time.monotonic()
    while chat(gw, key, model) != status:
        assert time.monotonic() - start < LIMIT, f"still accepted after {LIMIT} s"
    elapsed = time.monotonic() - start
    assert all(chat(gw, key, model) == status for _ in range(8)), "some worker still accepts the key"
    return elapsed


def test_block_on_a_is_refused_on_b_within_one_second(pair):
    a, b = pair
    key = admin(a, "/key/generate", {})["key"]
    warm(b, key)
    admin(a, "/key/block", {"key": key})
    refused_within(b, key, 401)
    admin(a, "/key/unblock", {"key": key})
    start = time.monotonic()
    while chat(b, key) != 200:
        assert time.monotonic() - start < LIMIT


def test_update_of_models_on_a_is_enforced_on_b_within_one_second(pair):
    a, b = pair
    key = admin(a, "/key/generate", {"models": ["gpt-4o", "gpt-mini"]})["key"]
    warm(b, key)
    admin(a, "/key/update", {"key": key, "models": ["gpt-mini"]})
    refused_within(b, key, 403)


def test_delete_on_a_is_refused_on_b_within_one_second(pair):
    a, b = pair
    key = admin(a, "/key/generate", {})["key"]
    warm(b, key)
    admin(a, "/key/delete", {"keys": [key]})
    refused_within(b, key, 401)


def test_regenerate_on_a_refuses_the_old_key_on_b_within_one_second(pair):
    a, b = pair
    key = admin(a, "/key/generate", {})["key"]
    warm(b, key)
    new = admin(a, "/key/regenerate", {"key": key})["key"]
    refused_within(b, key, 401)
    assert chat(b, new) == 200
