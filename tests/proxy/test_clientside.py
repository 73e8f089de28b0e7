"""API.md §8, client-side credentials: allowed per deployment, used for one call, stripped from the
body, the configured key never sent to a client's api_base; everything else refused with 400."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator

import pytest

from tests.conftest import auth, model_entry
from tests.support.net import closed_port
from tests.support.upstream import FakeUpstream

CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "temperature": 0.2}
CLIENT_KEY = "client-own-key-0042"
SECRET = "upstream-secret"  # the configured key (model_entry)


@pytest.fixture
def chosen() -> Iterator[FakeUpstream]:
    """The server a client points api_base at: a second upstream, not in the config."""
    fake = FakeUpstream("B").start()
    yield fake
    fake.stop()


# The test upstreams listen on loopback, which a client-chosen api_base may not reach by default.
LOOPBACK = {"clientside_api_base_allowed_hosts": ["127.0.0.0/8"]}


def app_with(make_app, upstream, params, **extra):
    entry = model_entry("gpt-4o", upstream.base, configurable_clientside_auth_params=params, **extra)
    return make_app({"model_list": [entry], "general_settings": LOOPBACK})


def post(app, body):
    return app.test_client().post("/chat/completions", json=body, headers=auth())


def assert_400(resp, param):
    assert resp.status_code == 400, resp.json
    err = resp.json["error"]
    assert err["type"] == "invalid_request_error" and err["param"] == param
    assert f"`{param}`" in err["message"]


def assert_no_secret(fake: FakeUpstream):
    for got in fake.received:
        assert SECRET not in json.dumps(got.headers) and SECRET.encode() not in got.body


# --- what is allowed reaches only the client's server -------------------------------------------


def test_client_api_key_and_api_base_reach_the_client_chosen_server_only(make_app, upstream, chosen):
    app = app_with(make_app, upstream, ["api_key", "api_base"], organization="org-configured")
    resp = post(app, {**CHAT, "api_key": CLIENT_KEY, "api_base": chosen.base})
    assert resp.status_code == 200, resp.json
    assert resp.json["choices"][0]["message"]["content"] == "upstream B answers"
    assert upstream.received == []
    got = chosen.received[-1]
    assert got.path == "/v1/chat/completions"
    assert got.headers["authorization"] == f"Bearer {CLIENT_KEY}"
    assert "openai-organization" not in got.headers  # it goes with the configured key only
    assert got.json == CHAT  # the credentials are stripped from the body, the rest kept
    assert_no_secret(chosen)


def test_client_api_base_without_a_key_sends_no_credential_at_all(make_app, upstream, chosen):
    app = app_with(make_app, upstream, ["api_base"])
    assert post(app, {**CHAT, "api_base": chosen.base + "/"}).status_code == 200
    got = chosen.received[-1]
    assert not {"authorization", "api-key"} & set(got.headers)
    assert got.json == CHAT
    assert_no_secret(chosen)
    assert upstream.received == []


def test_client_api_key_is_used_for_that_call_only(make_app, upstream):
    app = app_with(make_app, upstream, ["api_key"])
    assert post(app, {**CHAT, "api_key": CLIENT_KEY}).status_code == 200
    assert post(app, CHAT).status_code == 200
    first, second = upstream.received
    assert first.headers["authorization"] == f"Bearer {CLIENT_KEY}" and first.json == CHAT
    assert second.headers["authorization"] == f"Bearer {SECRET}" and second.json == CHAT


def test_azure_takes_the_client_key_in_api_key_and_its_api_version(make_app, upstream, chosen):
    entry = {
        "model_name": "gpt-4o",
        "litellm_params": {
            "model": "azure/my-gpt",
            "api_base": f"http://127.0.0.1:{upstream.port}",
            "api_version": "2024-06-01",
            "api_key": SECRET,
            "configurable_clientside_auth_params": ["api_key", "api_base", "api_version"],
        },
    }
    app = make_app({"model_list": [entry], "general_settings": LOOPBACK})
    base = f"http://127.0.0.1:{chosen.port}"
    body = {**CHAT, "api_key": CLIENT_KEY, "api_base": base, "api_version": "2025-01-01-preview"}
    assert post(app, body).status_code == 200
    got = chosen.received[-1]
    assert got.path == "/openai/deployments/my-gpt/chat/completions?api-version=2025-01-01-preview"
    assert got.headers["api-key"] == CLIENT_KEY and "authorization" not in got.headers
    assert_no_secret(chosen)


def test_mock_deployment_ignores_client_credentials_but_still_checks_them(make_app):
    allowing = {
        "model": "openai/gpt-4o",
        "mock_response": "hi",
        "configurable_clientside_auth_params": ["api_key"],
    }
    app = make_app({"model_list": [{"model_name": "gpt-4o", "litellm_params": allowing}]})
    assert post(app, {**CHAT, "api_key": CLIENT_KEY}).status_code == 200
    assert_400(post(app, {**CHAT, "api_base": "https://example.com/v1"}), "api_base")


# --- api_base: a regex matches the whole URL, and the URL must be plain http(s) ----------------


@pytest.mark.parametrize(
    "url",
    [
        "https://api.openai.com/v1.evil.example",
        "https://api.openai.com/v1@evil.example",
        "https://api.openai.com/v1/../x",
        "https://api.openai.com/v1/",  # the regex has no trailing slash: whole URL, exactly
        "xhttps://api.openai.com/v1",
    ],
)
def test_api_base_regex_must_match_the_whole_url(make_app, upstream, url):
    app = app_with(make_app, upstream, [{"api_base": r"https://api\.openai\.com/v1"}])
    assert_400(post(app, {**CHAT, "api_base": url}), "api_base")
    assert upstream.received == []


def test_api_base_regex_allows_an_exact_match_and_not_a_longer_url(make_app, upstream, chosen):
    pattern = re.escape(chosen.base)
    app = app_with(make_app, upstream, [{"api_base": pattern}])
    assert post(app, {**CHAT, "api_base": chosen.base}).status_code == 200  # a prefix match would
    assert_400(post(app, {**CHAT, "api_base": chosen.base + "/extra"}), "api_base")  # ...pass this
    assert len(chosen.received) == 1 and upstream.received == []


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/v1",
        "file:///etc/passwd",
        "http:///v1",
        "/v1",
        "https://user:pw@example.com/v1",
        "https://example.com/v1/%2e%2e/admin",
        "https://example.com/./v1",
        "https://example.com/v1?x=1",
        "https://example.com/v1#frag",
        "https://example.com:99999/v1",
        "https://exa mple.com/v1",
        "https://example.com\\@evil.example/v1",
        "https://example.com/v1\n",
        "https://example.com/v1\x00",
        "https://exämple.com/v1",
        "https://example.com%2eevil.example/v1",
        "",
        42,
    ],
)
def test_api_base_must_be_a_plain_http_url_even_when_any_is_allowed(make_app, upstream, url):
    # A permissive regex and the plain "api_base" entry: the URL checks still hold.
    for params in (["api_base"], [{"api_base": ".*"}]):
        app = app_with(make_app, upstream, params)
        assert_400(post(app, {**CHAT, "api_base": url}), "api_base")
    assert upstream.received == []


# --- refused fields -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"api_key": CLIENT_KEY}, "api_key"),
        ({"api_base": "https://api.openai.com/v1"}, "api_base"),
        ({"api_version": "2024-06-01"}, "api_version"),
        ({"api_key": None}, "api_key"),  # present is present, whatever the value
    ],
)
def test_credentials_not_allowed_for_the_deployment_are_400(client, upstream, extra, param):
    resp = client.post("/chat/completions", json={**CHAT, **extra}, headers=auth())
    assert_400(resp, param)
    assert upstream.received == []


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"model_list": [{"model_name": "gpt-4o", "litellm_params": {"model": "openai/x"}}]}, "model_list"),
        ({"base_url": "https://evil.example/v1"}, "base_url"),
        ({"user_config": {"model_list": []}}, "user_config"),
        ({"metadata": {"api_base": "https://evil.example"}}, "metadata.api_base"),
        ({"metadata": {"api_key": CLIENT_KEY}}, "metadata.api_key"),
        ({"metadata": {"api_version": "1"}}, "metadata.api_version"),
        ({"metadata": {"model_list": []}}, "metadata.model_list"),
        ({"litellm_metadata": {"base_url": "https://evil.example"}}, "litellm_metadata.base_url"),
    ],
)
def test_routing_and_nested_credential_fields_are_always_400(make_app, upstream, body, param):
    app = app_with(make_app, upstream, ["api_key", "api_base", "api_version"])  # allows everything
    assert_400(post(app, {**CHAT, **body}), param)
    assert upstream.received == []


def test_model_list_is_refused_before_the_model_is_looked_up(client):
    resp = client.post(
        "/chat/completions", json={"model": "not-configured", "model_list": []}, headers=auth()
    )
    assert_400(resp, "model_list")


def test_harmless_metadata_passes_through_untouched(client, upstream):
    raw = b'{"model":"gpt-4o","messages":[],"metadata":{"tag":"a","user":"u"}}'
    resp = client.post("/chat/completions", data=raw, headers={**auth(), "Content-Type": "application/json"})
    assert resp.status_code == 200
    assert upstream.received[-1].body == raw  # nothing stripped: the original bytes


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"api_key": ""}, "api_key"),
        ({"api_key": 123}, "api_key"),
        ({"api_key": "key\r\nX-Injected: 1"}, "api_key"),
        ({"api_version": "2024-06-01&x=1"}, "api_version"),
    ],
)
def test_malformed_allowed_values_are_400(make_app, upstream, extra, param):
    app = app_with(make_app, upstream, ["api_key", "api_version"])
    assert_400(post(app, {**CHAT, **extra}), param)
    assert upstream.received == []


def test_with_several_deployments_a_field_must_be_allowed_by_every_one(make_app, upstream, chosen):
    allowing = model_entry("gpt-4o", upstream.base, configurable_clientside_auth_params=["api_key"])
    refusing = model_entry("gpt-4o", chosen.base)
    app = make_app({"model_list": [allowing, refusing]})
    for _ in range(8):  # deployments are shuffled per request: the answer must not depend on the order
        assert_400(post(app, {**CHAT, "api_key": CLIENT_KEY}), "api_key")
    assert upstream.received == [] and chosen.received == []


# --- logs ---------------------------------------------------------------------------------------


def test_an_unreachable_client_api_base_logs_no_key(make_app, upstream, caplog):
    app = app_with(make_app, upstream, ["api_key", "api_base"])
    dead = f"http://127.0.0.1:{closed_port()}/v1"
    with caplog.at_level(logging.DEBUG):
        resp = post(app, {**CHAT, "api_key": CLIENT_KEY, "api_base": dead})
    assert resp.status_code == 502
    assert resp.json["error"]["message"] == "The upstream at the client's api_base could not be reached."
    assert CLIENT_KEY not in caplog.text and CLIENT_KEY.encode() not in resp.get_data()
    assert dead in caplog.text  # the URL is logged, for the operator, without any credential
    assert upstream.received == []
