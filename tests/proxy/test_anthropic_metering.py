"""Limits, budgets and metering on the Messages API routes, as on chat: one usage row per request,
tokens from message_start/message_delta, cache writes and reads at model_info's prices; the
client-side credentials of an anthropic/ deployment (the configured key never goes to a
client's api_base)."""

from __future__ import annotations

import json
import math
import shutil

import pytest
import yaml

from gateway.settings import load_settings
from gateway.usage.meter import cost_of, tokens
from tests.auth.conftest import FIXTURE, write_config
from tests.conftest import MASTER, auth
from tests.keys.conftest import Admin
from tests.support.anthropic_upstream import FakeAnthropic, claude_entry
from tests.usage.conftest import rows, ship_and_flush

IN, OUT, WRITE, READ = 3e-06, 1.5e-05, 3.75e-06, 3e-07
HI = {"model": "claude", "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]}
CONFIGURED = "sk-ant-configured-key-0001"


def claude(base: str, **params) -> dict:
    prices = {
        "input_cost_per_token": IN,
        "output_cost_per_token": OUT,
        "cache_creation_input_token_cost": WRITE,
        "cache_read_input_token_cost": READ,
    }
    return claude_entry(base, CONFIGURED, prices, **params)


@pytest.fixture
def mapp(make_app, anthropic, redis_url):
    return make_app({"model_list": [claude(anthropic.base)]}, env={"REDIS_URL": redis_url})


def _usage_rows(app):
    ship_and_flush(app)
    return rows(
        app,
        "SELECT model, status, prompt_tokens, completion_tokens, cost FROM usage_logs ORDER BY created_at",
    )


@pytest.mark.parametrize("stream", [False, True])
def test_messages_are_metered_with_cache_tokens_at_their_prices(mapp, anthropic, stream):
    anthropic.behaviour.usage = {
        "input_tokens": 10,
        "output_tokens": 20,
        "cache_creation_input_tokens": 100,
        "cache_read_input_tokens": 1000,
    }
    client = mapp.test_client()
    key = Admin(client).generate()["key"]
    resp = client.post("/v1/messages", json={**HI, "stream": stream}, headers={"x-api-key": key})
    assert resp.status_code == 200
    if stream:
        assert resp.get_data().count(b"event: message_stop") == 1
    ((model, status, prompt, completion, cost),) = _usage_rows(mapp)
    assert (model, status, prompt, completion) == ("claude", 200, 1110, 20)
    assert math.isclose(cost, 10 * IN + 100 * WRITE + 1000 * READ + 20 * OUT)
    assert math.isclose(Admin(client).get("/key/info", key=key)["info"]["spend"], cost)


def test_chat_to_an_anthropic_deployment_is_metered_from_anthropics_usage(mapp, anthropic):
    anthropic.behaviour.usage = {"input_tokens": 5, "output_tokens": 7, "cache_read_input_tokens": 50}
    chat = {"model": "claude", "messages": [{"role": "user", "content": "hi"}]}
    resp = mapp.test_client().post("/v1/chat/completions", json=chat, headers=auth())
    assert resp.json["usage"]["prompt_tokens"] == 55 and resp.json["usage"]["prompt_tokens_details"] == {
        "cached_tokens": 50
    }
    ((_, _, prompt, completion, cost),) = _usage_rows(mapp)
    assert (prompt, completion) == (55, 7) and math.isclose(cost, 5 * IN + 50 * READ + 7 * OUT)


def test_count_tokens_is_a_request_of_no_tokens(mapp):
    body = {"model": "claude", "messages": HI["messages"]}
    assert mapp.test_client().post("/v1/messages/count_tokens", json=body, headers=auth()).status_code == 200
    assert [r[1:] for r in _usage_rows(mapp)] == [(200, 0, 0, 0.0)]


def test_an_rpm_limit_holds_on_the_messages_routes_in_anthropics_envelope(mapp):
    client = mapp.test_client()
    key = Admin(client).generate(rpm_limit=2)["key"]
    answers = [client.post("/v1/messages", json=HI, headers={"x-api-key": key}) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].json["error"]["type"] == "rate_limit_error" and answers[2].headers["Retry-After"]


def test_a_spent_budget_refuses_messages(mapp, anthropic):
    anthropic.behaviour.usage = {"input_tokens": 1000, "output_tokens": 1000}
    client = mapp.test_client()
    key = Admin(client).generate(max_budget=0.001)["key"]
    assert client.post("/v1/messages", json=HI, headers={"x-api-key": key}).status_code == 200
    ship_and_flush(mapp)
    refused = client.post("/v1/messages", json=HI, headers={"x-api-key": key})
    assert refused.status_code == 429 and refused.json["type"] == "error"


def test_route_allow_lists_name_the_messages_routes(mapp):
    client = mapp.test_client()
    chat_only = Admin(client).generate(allowed_routes=["/v1/chat/completions"])["key"]
    resp = client.post("/v1/messages", json=HI, headers={"x-api-key": chat_only})
    assert resp.status_code == 403 and resp.json["error"]["type"] == "permission_error"
    llm = Admin(client).generate(allowed_routes=["llm_api_routes"])["key"]
    assert client.post("/v1/messages", json=HI, headers={"x-api-key": llm}).status_code == 200


def test_a_client_side_api_base_never_gets_the_configured_anthropic_key(make_app, anthropic):
    other = FakeAnthropic().start()
    try:
        entry = claude(anthropic.base, configurable_clientside_auth_params=["api_base", "api_key"])
        config = {
            "model_list": [entry],
            "general_settings": {"clientside_api_base_allowed_hosts": ["127.0.0.1"]},
        }
        client = make_app(config).test_client()
        body = {**HI, "api_base": other.base}
        resp = client.post("/v1/messages", json=body, headers={"x-api-key": MASTER})
        assert resp.status_code == 401  # the loopback answers a call without x-api-key so
        assert (
            other.received[-1].headers.get("x-api-key") is None and "api_base" not in other.received[-1].json
        )
        resp = client.post(
            "/v1/messages", json={**body, "api_key": "sk-ant-clients-own-0001"}, headers=auth()
        )
        assert resp.status_code == 200
        assert other.received[-1].headers["x-api-key"] == "sk-ant-clients-own-0001"
        assert anthropic.received == []
    finally:
        other.stop()


def test_custom_auth_decides_on_the_messages_routes_as_on_chat(make_app, tmp_path, anthropic):
    shutil.copy(FIXTURE, tmp_path / "custom_fns.py")
    path = write_config(tmp_path, {"custom_auth": "custom_fns.from_header"}, [claude(anthropic.base)])
    client = make_app(yaml.safe_load(path.read_text()), CONFIG_FILE_PATH=str(path)).test_client()

    def call(principal: dict) -> object:
        headers = {"x-api-key": "my-custom-key-888", "X-Test-Principal": json.dumps(principal)}
        return client.post("/v1/messages", json=HI, headers=headers)

    assert call({"user_id": "u-1", "models": ["claude"]}).status_code == 200
    refused = call({"user_id": "u-1", "models": ["gpt-4o"]})
    assert refused.status_code == 403 and refused.json["error"]["type"] == "permission_error"
    assert anthropic.received[-1].headers["x-api-key"] == CONFIGURED  # the caller's key stays here


def test_usage_in_each_spelling_gives_the_prompt_with_its_cache_tokens():
    openai_usage = {
        "prompt_tokens": 100,
        "completion_tokens": 5,
        "prompt_tokens_details": {"cached_tokens": 40},
    }
    assert tokens(openai_usage) == (100, 5, 0, 40)
    anthropic_usage = {
        "input_tokens": 10,
        "output_tokens": 3,
        "cache_creation_input_tokens": 20,
        "cache_read_input_tokens": 30,
    }
    assert tokens(anthropic_usage) == (60, 3, 20, 30)
    assert tokens({"input_tokens": 4, "output_tokens": 2}) == (4, 2, 0, 0)  # /responses, images
    assert tokens(None) == (0, 0, 0, 0)


def test_without_cache_prices_cached_tokens_cost_the_input_price():
    raw = {"model_list": [{**claude("http://127.0.0.1:9"), "model_info": {"input_cost_per_token": IN}}]}
    d = load_settings(raw=raw, environ={}).deployments[0]
    assert d.cache_creation_input_token_cost == d.cache_read_input_token_cost == IN
    assert math.isclose(cost_of(d, 100, 0, 20, 30), 100 * IN)
