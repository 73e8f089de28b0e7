"""/v1/messages and /v1/messages/count_tokens in process: the credential headers, the route table,
Anthropic's error envelope on these routes only, the anthropic/ provider's URL and headers."""

from __future__ import annotations

import threading

import pytest

from gateway.proxy.router import anthropic_root
from gateway.settings import load_settings
from tests.conftest import MASTER, auth, model_entry
from tests.support.anthropic_upstream import claude_entry
from tests.support.net import free_port

HI = {"model": "claude", "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]}
ANTHROPIC_KEY = "sk-ant-configured-key-0001"


def claude(base: str, **params) -> dict:
    return claude_entry(base, ANTHROPIC_KEY, **params)


@pytest.fixture
def gw(make_app, upstream, anthropic):
    models = [model_entry("gpt-4o", upstream.base), claude(anthropic.base)]
    return make_app({"model_list": models}).test_client()


@pytest.mark.parametrize("path", ["/v1/messages", "/messages", "/v1/messages?beta=true"])  # Claude Code's
def test_messages_route_takes_the_key_from_x_api_key_and_passes_the_body_through(gw, anthropic, path):
    resp = gw.post(path, json=HI, headers={"x-api-key": MASTER, "anthropic-version": "2023-06-01"})
    assert resp.status_code == 200, resp.data
    assert resp.json["content"] == [{"type": "text", "text": "Hello from Claude"}]
    got = anthropic.received[-1]
    assert got.path == "/v1/messages"
    assert got.json == {**HI, "model": "claude-sonnet-4"}  # only the model renamed
    assert got.headers["x-api-key"] == ANTHROPIC_KEY and "authorization" not in got.headers
    assert resp.headers["X-Request-Id"]


def test_a_bearer_token_works_too(gw):
    assert gw.post("/v1/messages", json=HI, headers=auth()).status_code == 200


def test_anthropic_version_and_beta_are_passed_on_and_a_default_version_is_sent(gw, anthropic):
    headers = {
        "x-api-key": MASTER,
        "anthropic-version": "2024-01-01",
        "anthropic-beta": "prompt-caching-2024-07-31",
    }
    gw.post("/v1/messages", json=HI, headers=headers)
    got = anthropic.received[-1].headers
    assert got["anthropic-version"] == "2024-01-01" and got["anthropic-beta"] == "prompt-caching-2024-07-31"
    gw.post("/v1/messages", json=HI, headers={"x-api-key": MASTER})
    assert anthropic.received[-1].headers["anthropic-version"] == "2023-06-01"
    assert "anthropic-beta" not in anthropic.received[-1].headers


def test_count_tokens_is_passed_through_to_anthropic(gw, anthropic):
    body = {"model": "claude", "messages": HI["messages"]}
    resp = gw.post("/v1/messages/count_tokens", json=body, headers={"x-api-key": MASTER})
    assert resp.status_code == 200 and resp.json == {"input_tokens": 42}
    assert anthropic.received[-1].path == "/v1/messages/count_tokens"


def test_count_tokens_on_an_openai_deployment_is_an_estimate_that_says_so(gw, upstream):
    text = "x" * 400
    body = {"model": "gpt-4o", "system": "y" * 40, "messages": [{"role": "user", "content": text}]}
    resp = gw.post("/messages/count_tokens", json=body, headers={"x-api-key": MASTER})
    assert resp.status_code == 200
    assert resp.json == {"input_tokens": 110 + 4}  # 440 characters / 4, and 4 for the turn
    assert resp.headers["X-Gateway-Token-Count"] == "estimate"
    assert upstream.received == []  # nothing to ask an OpenAI-compatible server


@pytest.mark.parametrize(
    ("request_kw", "status", "kind"),
    [
        ({"json": HI, "headers": {}}, 401, "authentication_error"),
        ({"json": HI, "headers": {"x-api-key": "sk-not-a-key-000"}}, 401, "authentication_error"),
        ({"data": b"{not json", "headers": {"x-api-key": MASTER}}, 400, "invalid_request_error"),
        ({"json": {**HI, "model": "nope"}, "headers": {"x-api-key": MASTER}}, 400, "invalid_request_error"),
    ],
)
def test_errors_on_the_messages_routes_are_in_anthropics_envelope(gw, request_kw, status, kind):
    resp = gw.post("/v1/messages", content_type="application/json", **request_kw)
    assert resp.status_code == status
    assert resp.json["type"] == "error" and resp.json["error"]["type"] == kind
    assert set(resp.json) == {"type", "error"} and set(resp.json["error"]) == {"type", "message"}


def test_a_model_the_key_may_not_use_is_permission_error(gw):
    key = gw.post("/key/generate", json={"models": ["gpt-4o"]}, headers=auth()).json["key"]
    resp = gw.post("/v1/messages", json=HI, headers={"x-api-key": key})
    assert resp.status_code == 403 and resp.json["error"]["type"] == "permission_error"


def test_an_unknown_messages_subroute_is_the_gateways_404(gw):
    resp = gw.post("/v1/messages/batches", json=HI, headers={"x-api-key": MASTER})
    assert resp.status_code == 404 and resp.json["error"]["type"] == "not_found"  # no route: unchanged


def test_a_body_too_large_is_request_too_large(make_app, upstream):
    config = {
        "model_list": [model_entry("gpt-4o", upstream.base)],
        "general_settings": {"max_request_size_mb": 0.001},
    }
    app = make_app(config)
    body = {**HI, "messages": [{"role": "user", "content": "x" * 5000}]}
    resp = app.test_client().post("/v1/messages", json=body, headers={"x-api-key": MASTER})
    assert resp.status_code == 413 and resp.json["error"]["type"] == "request_too_large"


def test_other_routes_keep_the_gateways_envelope(gw):
    resp = gw.post("/v1/chat/completions", json={"model": "nope", "messages": []}, headers=auth())
    assert resp.status_code == 400 and resp.json["error"]["code"] == "400" and "type" not in resp.json


def test_an_upstream_error_keeps_anthropics_body_on_messages_and_becomes_openais_on_chat(gw, anthropic):
    anthropic.behaviour.status = 529
    resp = gw.post("/v1/messages", json=HI, headers={"x-api-key": MASTER})
    assert resp.status_code == 529
    assert resp.json == {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    chat = {"model": "claude", "messages": [{"role": "user", "content": "hi"}]}
    resp = gw.post("/v1/chat/completions", json=chat, headers=auth())
    assert resp.status_code == 529
    assert resp.json["error"] == {
        "message": "Overloaded",
        "type": "overloaded_error",
        "param": None,
        "code": "529",
    }


def test_an_openai_upstreams_error_on_messages_is_put_in_anthropics_envelope(gw, upstream):
    upstream.behaviour.status = 400
    resp = gw.post("/v1/messages", json={**HI, "model": "gpt-4o"}, headers={"x-api-key": MASTER})
    assert resp.status_code == 400
    assert resp.json == {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": "upstream says no"},
    }


def test_an_anthropic_deployment_refuses_ops_it_has_no_form_of(gw):
    resp = gw.post("/v1/embeddings", json={"model": "claude", "input": "x"}, headers=auth())
    assert resp.status_code == 400 and "/v1/messages" in resp.json["error"]["message"]


def test_a_translated_request_anthropic_cannot_express_is_a_400_naming_the_field(gw):
    chat = {"model": "claude", "n": 2, "messages": [{"role": "user", "content": "hi"}]}
    resp = gw.post("/v1/chat/completions", json=chat, headers=auth())
    assert resp.status_code == 400 and resp.json["error"]["param"] == "n"
    bad = {**HI, "model": "gpt-4o", "max_tokens": None}
    resp = gw.post("/v1/messages", json=bad, headers={"x-api-key": MASTER})
    assert resp.status_code == 400 and "max_tokens" in resp.json["error"]["message"]


@pytest.mark.parametrize(
    "base",
    [
        "https://api.anthropic.com",
        "https://api.anthropic.com/",
        "https://api.anthropic.com/v1",
        "https://api.anthropic.com/v1/messages",
    ],
)
def test_an_api_base_in_any_of_its_spellings_reaches_the_messages_paths(base):
    assert anthropic_root(base) == "https://api.anthropic.com"


def test_the_provider_defaults_to_anthropics_base_and_key_env():
    raw = {"model_list": [{"model_name": "c", "litellm_params": {"model": "anthropic/claude-sonnet-4"}}]}
    d = load_settings(raw=raw, environ={"ANTHROPIC_API_KEY": "sk-ant-env"}).deployments[0]
    assert (d.provider, d.api_base, d.api_key) == ("anthropic", "https://api.anthropic.com", "sk-ant-env")


def test_several_anthropic_deployments_share_a_name_and_the_next_is_tried_when_one_is_down(
    make_app, anthropic
):
    dead = f"http://127.0.0.1:{free_port()}"
    app = make_app({"model_list": [claude(dead), claude(anthropic.base)]})
    client = app.test_client()
    for _ in range(4):
        assert client.post("/v1/messages", json=HI, headers={"x-api-key": MASTER}).status_code == 200


@pytest.mark.parametrize("stream", [False, True])
def test_a_mock_response_deployment_answers_messages_in_anthropics_format(make_app, stream):
    mock = {"model_name": "claude", "litellm_params": {"model": "openai/m", "mock_response": "one two"}}
    client = make_app({"model_list": [mock]}).test_client()
    resp = client.post("/v1/messages", json={**HI, "stream": stream}, headers={"x-api-key": MASTER})
    assert resp.status_code == 200
    if stream:
        text = resp.get_data(as_text=True)
        assert text.startswith("event: message_start") and text.rstrip().endswith('{"type":"message_stop"}')
        assert '"text":"one "' in text and "[DONE]" not in text
    else:
        assert resp.json["type"] == "message" and resp.json["content"] == [
            {"type": "text", "text": "one two"}
        ]


def test_a_stalled_translated_stream_ends_with_anthropics_error_event(make_app, upstream):
    upstream.behaviour.gate = threading.Event()  # never set: the stream stalls after its first event
    app = make_app({"model_list": [model_entry("gpt-4o", upstream.base, stream_timeout=0.5)]})
    body = {**HI, "model": "gpt-4o", "stream": True}
    text = (
        app.test_client()
        .post("/v1/messages", json=body, headers={"x-api-key": MASTER})
        .get_data(as_text=True)
    )
    assert text.startswith("event: message_start") and '"text":"tok0 "' in text
    assert text.endswith(
        'event: error\ndata: {"type":"error","error":{"type":"timeout_error","message":"The upstream stream stalled."}}\n\n'
    )
    assert "[DONE]" not in text


def test_health_asks_an_anthropic_deployment_for_its_model_list(gw, anthropic):
    body = gw.get("/health", headers=auth()).json
    assert "claude" in {e["model_name"] for e in body["healthy_endpoints"]}
    got = anthropic.gets[-1]
    assert got.path == "/v1/models" and got.headers["x-api-key"] == ANTHROPIC_KEY
    assert anthropic.received == []  # never a billed call
