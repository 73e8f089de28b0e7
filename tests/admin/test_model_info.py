"""/model/info and /health: the caller's deployments in LiteLLM's shapes, no secret in them, and
/health never sends a billed request upstream."""

from __future__ import annotations

import pytest

from gateway.admin import model_health
from tests.conftest import auth, model_entry
from tests.keys.conftest import Admin
from tests.support.net import closed_port


@pytest.fixture
def iapp(make_app, upstream):
    models = [
        {
            **model_entry("gpt-4o", upstream.base, timeout=30),
            "model_info": {"input_cost_per_token": 1e-06, "mode": "chat"},
        },
        model_entry("down", f"http://127.0.0.1:{closed_port()}/v1"),
        {"model_name": "mock", "litellm_params": {"model": "openai/mock", "mock_response": "hi"}},
    ]
    model_health._cache.clear()
    return make_app({"model_list": models})


@pytest.mark.parametrize("path", ["/model/info", "/v1/model/info"])
def test_model_info_lists_deployments_without_secrets(iapp, upstream, path):
    resp = iapp.test_client().get(path, headers=auth())
    assert resp.status_code == 200
    assert "upstream-secret" not in resp.get_data(as_text=True)
    by_name = {d["model_name"]: d for d in resp.json["data"]}
    assert list(by_name) == ["gpt-4o", "down", "mock"]
    gpt = by_name["gpt-4o"]
    assert gpt["litellm_params"]["model"] == "openai/gpt-4o" and "api_key" not in gpt["litellm_params"]
    assert gpt["litellm_params"]["api_base"] == upstream.base and gpt["litellm_params"]["timeout"] == 30
    assert gpt["model_info"]["mode"] == "chat" and gpt["model_info"]["input_cost_per_token"] == 1e-06
    assert gpt["model_info"]["id"] == "gpt-4o#0"


def test_model_info_shows_a_key_only_its_models(iapp):
    client = iapp.test_client()
    key = Admin(client).generate(models=["mock"])["key"]
    data = client.get("/v1/model/info", headers=auth(key)).json["data"]
    assert [d["model_name"] for d in data] == ["mock"]
    assert client.get("/v1/model/info").status_code == 401


def test_health_has_litellms_shape_and_bills_nothing(iapp, upstream):
    resp = iapp.test_client().get("/health", headers=auth())
    assert resp.status_code == 200
    body = resp.json
    assert (body["healthy_count"], body["unhealthy_count"]) == (2, 1)
    assert {e["model_name"] for e in body["healthy_endpoints"]} == {"gpt-4o", "mock"}
    (down,) = body["unhealthy_endpoints"]
    assert down["model_name"] == "down" and "unreachable" in down["error"]
    assert "upstream-secret" not in resp.get_data(as_text=True)
    assert all("api_key" not in e for e in body["healthy_endpoints"] + body["unhealthy_endpoints"])
    assert upstream.received == []  # no completion was sent: only GET /models
    assert upstream.gets[-1].path == "/v1/models"
    assert upstream.gets[-1].headers["authorization"] == "Bearer upstream-secret"  # the key is checked


def test_health_reports_a_refused_key_and_filters_by_model(iapp, upstream):
    from tests.support.upstream import Behaviour

    upstream.behaviour = Behaviour(status=401)
    client = iapp.test_client()
    body = client.get("/health", query_string={"model": "gpt-4o"}, headers=auth()).json
    assert (
        body["healthy_count"] == 0
        and "refused the configured key (401)" in body["unhealthy_endpoints"][0]["error"]
    )
    resp = client.get("/health", query_string={"model": "nope"}, headers=auth())
    assert resp.status_code == 400 and resp.json["error"]["param"] == "model"
    assert client.get("/health").status_code == 401  # LiteLLM's /health needs a key too


def test_health_answers_are_cached_briefly(iapp, upstream):
    client = iapp.test_client()
    for _ in range(3):
        assert client.get("/health", query_string={"model": "gpt-4o"}, headers=auth()).status_code == 200
    assert len(upstream.gets) == 1
