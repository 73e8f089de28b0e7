"""The proxy against a real upstream on loopback: bytes, credentials, failover, upstream errors."""

from __future__ import annotations

import json

import pytest

from tests.conftest import MASTER, auth, model_entry
from tests.support.net import closed_port
from tests.support.upstream import Behaviour, FakeUpstream

CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}


def test_original_bytes_reach_upstream_with_the_configured_key_only(client, upstream):
    raw = b'{"model":"gpt-4o",  "messages":[{"role":"user","content":"hi"}], "x_vendor_extra": 1}'
    resp = client.post("/chat/completions", data=raw, headers={**auth(), "Content-Type": "application/json"})
    assert resp.status_code == 200, resp.json
    assert resp.json["choices"][0]["message"]["content"] == "upstream A answers"
    got = upstream.received[-1]
    assert got.path == "/v1/chat/completions"
    assert got.body == raw  # forwarded untouched: not re-encoded
    assert got.headers["authorization"] == "Bearer upstream-secret"
    assert MASTER not in json.dumps(got.headers)


@pytest.mark.parametrize(
    ("path", "upstream_path"),
    [
        ("/v1/chat/completions", "/v1/chat/completions"),
        ("/completions", "/v1/completions"),
        ("/v1/completions", "/v1/completions"),
        ("/embeddings", "/v1/embeddings"),
        ("/v1/embeddings", "/v1/embeddings"),
    ],
)
def test_every_operation_and_its_v1_alias(client, upstream, path, upstream_path):
    body = {"model": "gpt-4o", "input": "x"} if "embeddings" in path else {"model": "gpt-4o", "prompt": "x"}
    resp = client.post(path, json=body, headers=auth())
    assert resp.status_code == 200
    assert upstream.received[-1].path == upstream_path


def test_model_alias_is_renamed_for_the_upstream(make_app, upstream):
    entry = {
        "model_name": "fast",
        "litellm_params": {"model": "hosted_vllm/org/llama-3", "api_base": upstream.base},
    }
    client = make_app({"model_list": [entry]}).test_client()
    resp = client.post(
        "/chat/completions",
        json={"model": "fast", "messages": [], "temperature": 0.5},
        headers=auth(),
    )
    assert resp.status_code == 200
    sent = upstream.received[-1].json
    assert sent == {"model": "org/llama-3", "messages": [], "temperature": 0.5}
    assert "authorization" not in upstream.received[-1].headers  # no key configured: none sent


def test_azure_deployment_url_version_and_api_key_header(make_app, upstream):
    base = f"http://127.0.0.1:{upstream.port}"
    entry = {
        "model_name": "gpt-4o",
        "litellm_params": {
            "model": "azure/my-gpt",
            "api_base": base,
            "api_version": "2024-06-01",
            "api_key": "azure-secret",
        },
    }
    client = make_app({"model_list": [entry]}).test_client()
    assert client.post("/chat/completions", json=CHAT, headers=auth()).status_code == 200
    got = upstream.received[-1]
    assert got.path == "/openai/deployments/my-gpt/chat/completions?api-version=2024-06-01"
    assert got.headers["api-key"] == "azure-secret" and "authorization" not in got.headers


def test_upstream_4xx_body_and_status_pass_through(client, upstream):
    upstream.behaviour = Behaviour(
        status=422,
        error_body=b'{"error":{"message":"bad temperature","type":"invalid_request_error","code":"x"}}',
    )
    resp = client.post("/chat/completions", json=CHAT, headers=auth())
    assert resp.status_code == 422
    assert resp.json["error"]["message"] == "bad temperature"


def test_upstream_non_json_error_is_wrapped_in_the_envelope(client, upstream):
    upstream.behaviour = Behaviour(status=500, error_body=b"<html>boom</html>", content_type="text/html")
    resp = client.post("/chat/completions", json=CHAT, headers=auth())
    assert resp.status_code == 500
    err = resp.json["error"]
    assert err["type"] == "upstream_error" and err["code"] == "500" and "boom" in err["message"]


def test_unreachable_upstream_is_502(make_app):
    client = make_app(
        {"model_list": [model_entry("gpt-4o", f"http://127.0.0.1:{closed_port()}/v1")]}
    ).test_client()
    resp = client.post("/chat/completions", json=CHAT, headers=auth())
    assert resp.status_code == 502
    assert resp.json["error"]["type"] == "upstream_error" and resp.json["error"]["code"] == "502"


def test_upstream_slower_than_timeout_is_504(make_app, upstream):
    upstream.behaviour = Behaviour(delay=1.5)
    client = make_app({"model_list": [model_entry("gpt-4o", upstream.base, timeout=0.3)]}).test_client()
    resp = client.post("/chat/completions", json=CHAT, headers=auth())
    assert resp.status_code == 504
    assert resp.json["error"]["type"] == "upstream_error"


def test_connect_error_fails_over_to_the_next_deployment(make_app, upstream):
    dead = model_entry("gpt-4o", f"http://127.0.0.1:{closed_port()}/v1")
    client = make_app({"model_list": [dead, model_entry("gpt-4o", upstream.base)]}).test_client()
    for _ in range(12):  # shuffled order: the dead one comes first in about half of these
        assert client.post("/chat/completions", json=CHAT, headers=auth()).status_code == 200
    assert len(upstream.received) == 12


def test_deployments_are_shuffled(make_app):
    a, b = FakeUpstream("A").start(), FakeUpstream("B").start()
    try:
        client = make_app(
            {"model_list": [model_entry("gpt-4o", a.base), model_entry("gpt-4o", b.base)]}
        ).test_client()
        for _ in range(40):
            client.post("/chat/completions", json=CHAT, headers=auth())
        assert len(a.received) + len(b.received) == 40
        assert a.received and b.received
    finally:
        a.stop()
        b.stop()


def test_unknown_model_is_400_pointing_to_models(client, upstream):
    resp = client.post("/chat/completions", json={"model": "gpt-5-nope", "messages": []}, headers=auth())
    assert resp.status_code == 400
    assert "gpt-5-nope" in resp.json["error"]["message"] and "/v1/models" in resp.json["error"]["message"]
    assert resp.json["error"]["param"] == "model"
    assert upstream.received == []


def test_models_lists_the_model_list(make_app, upstream):
    client = make_app(
        {
            "model_list": [
                model_entry("gpt-4o", upstream.base),
                model_entry("gpt-4o", upstream.base),
                model_entry("o3", upstream.base),
            ]
        }
    ).test_client()
    for path in ("/models", "/v1/models"):
        data = client.get(path, headers=auth()).json
        assert data["object"] == "list"
        assert [m["id"] for m in data["data"]] == ["gpt-4o", "o3"]


def test_connect_timeout_on_every_deployment_is_504(make_app):
    from tests.support.net import Blackhole

    hole = Blackhole()
    try:
        client = make_app(
            {"model_list": [model_entry("gpt-4o", f"http://127.0.0.1:{hole.port}/v1", timeout=0.3)]}
        ).test_client()
        resp = client.post("/chat/completions", json=CHAT, headers=auth())
        assert resp.status_code == 504
        assert "timed out" in resp.json["error"]["message"]
    finally:
        hole.close()
