"""Secrets in relayed text: an upstream error body echoing a credential reaches the client with
every configured secret, the caller's own key and a client-side api_key masked."""

from __future__ import annotations

import pytest

from tests.conftest import MASTER, auth, model_entry
from tests.support.upstream import Behaviour

CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
CONFIGURED = "upstream-secret"  # model_entry's api_key
OTHER = "sk-other-deployment-key-9999"
WEBHOOK = "webhook-signing-secret-0123"
CLIENT_KEY = "client-own-key-0042"


def echoing(*secrets: str) -> bytes:
    said = ", ".join(secrets)
    return (
        b'{"error":{"message":"Incorrect API key provided: %s","type":"auth","code":"401"}}' % said.encode()
    )


@pytest.fixture
def app(make_app, upstream):
    entry = model_entry("gpt-4o", upstream.base, configurable_clientside_auth_params=["api_key"])
    other = {
        "model_name": "other",
        "litellm_params": {"model": "openai/o", "api_base": upstream.base, "api_key": OTHER},
    }
    general = {
        "key_rotation_webhook_url": "http://127.0.0.1:9/hook",
        "key_rotation_webhook_secret": WEBHOOK,
    }
    return make_app({"model_list": [entry, other], "general_settings": general})


def assert_masked(data: bytes, *secrets: str) -> None:
    for secret in secrets:
        assert secret.encode() not in data, secret


@pytest.mark.parametrize("stream", [False, True])
def test_configured_secrets_echoed_in_an_error_are_masked(app, upstream, stream):
    upstream.behaviour = Behaviour(status=401, error_body=echoing(CONFIGURED, OTHER, MASTER, WEBHOOK))
    resp = app.test_client().post("/v1/chat/completions", json={**CHAT, "stream": stream}, headers=auth())
    assert resp.status_code == 401
    data = resp.get_data()
    assert_masked(data, CONFIGURED, OTHER, MASTER, WEBHOOK)
    message = resp.json["error"]["message"]  # still the upstream's JSON, only the secrets changed
    assert message == "Incorrect API key provided: <redacted>, sk-...9999, sk-...0001, <redacted>"


def test_a_callers_virtual_key_and_client_side_key_are_masked(app, upstream):
    client = app.test_client()
    key = client.post("/key/generate", json={}, headers=auth()).json["key"]
    upstream.behaviour = Behaviour(status=400, error_body=echoing(key, CLIENT_KEY))
    resp = client.post("/v1/chat/completions", json={**CHAT, "api_key": CLIENT_KEY}, headers=auth(key))
    assert resp.status_code == 400
    assert upstream.received[-1].headers["authorization"] == f"Bearer {CLIENT_KEY}"  # it was sent...
    assert_masked(resp.get_data(), key, CLIENT_KEY)  # ...and is not echoed back
    assert f"sk-...{key[-4:]}" in resp.json["error"]["message"]


def test_a_non_json_error_is_masked_before_it_is_wrapped(app, upstream):
    body = (b"x" * 490) + f" bad key {CONFIGURED} for {MASTER}".encode()  # across the 500-byte cut
    upstream.behaviour = Behaviour(status=502, error_body=body, content_type="text/plain")
    resp = app.test_client().post("/v1/chat/completions", json=CHAT, headers=auth())
    assert resp.status_code == 502 and resp.json["error"]["type"] == "upstream_error"
    data = resp.get_data()
    assert_masked(data, CONFIGURED, MASTER, CONFIGURED[:10])  # not even a prefix of it


def test_short_values_are_not_masked(make_app, upstream):
    # A 1-character key would blank out every "k" of the message: under 8 characters, left alone.
    entry = {
        "model_name": "gpt-4o",
        "litellm_params": {"model": "openai/x", "api_base": upstream.base, "api_key": "k"},
    }
    app = make_app({"model_list": [entry]})
    upstream.behaviour = Behaviour(status=400, error_body=b'{"error":{"message":"bad request, ok"}}')
    resp = app.test_client().post("/v1/chat/completions", json=CHAT, headers=auth())
    assert resp.json["error"]["message"] == "bad request, ok"
