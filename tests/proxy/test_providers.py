"""Providers (API.md §1): `gemini/` through Google's OpenAI-compatible endpoint; providers with a
protocol of their own refused at start-up, naming what is supported."""

from __future__ import annotations

import pytest

from gateway.settings import ConfigError, load_settings
from tests.conftest import auth

CHAT = {"model": "flash", "messages": [{"role": "user", "content": "hi"}]}


def gemini(**params):
    return {
        "model_list": [
            {"model_name": "flash", "litellm_params": {"model": "gemini/gemini-2.0-flash", **params}}
        ]
    }


def test_gemini_defaults_to_googles_openai_endpoint_and_gemini_api_key():
    d = load_settings(raw=gemini(), environ={"GEMINI_API_KEY": "gemini-env-key"}).deployments[0]
    assert d.api_base == "https://generativelanguage.googleapis.com/v1beta/openai"
    assert d.api_key == "gemini-env-key" and d.upstream_model == "gemini-2.0-flash"
    assert (
        load_settings(raw=gemini(api_key="own"), environ={"GEMINI_API_KEY": "x"}).deployments[0].api_key
        == "own"
    )


def test_gemini_is_called_as_openai_compatible_with_the_key_as_bearer(make_app, upstream):
    base = f"http://127.0.0.1:{upstream.port}/v1beta/openai"
    app = make_app(gemini(api_base=base), env={"GEMINI_API_KEY": "gemini-env-key"})
    resp = app.test_client().post("/v1/chat/completions", json=CHAT, headers=auth())
    assert resp.status_code == 200, resp.json
    got = upstream.received[-1]
    assert got.path == "/v1beta/openai/chat/completions"
    assert got.headers["authorization"] == "Bearer gemini-env-key"
    assert got.json == {**CHAT, "model": "gemini-2.0-flash"}


@pytest.mark.parametrize("model", ["bedrock/anthropic.claude-v2", "vertex_ai/gemini-pro", "cohere/command-r"])
def test_providers_with_their_own_protocol_stop_start_up_naming_the_supported_ones(model):
    raw = {"model_list": [{"model_name": "m", "litellm_params": {"model": model}}]}
    with pytest.raises(ConfigError) as err:
        load_settings(raw=raw, environ={})
    text = str(err.value)
    assert "model_list[0].litellm_params.model" in text
    assert f"'{model.split('/')[0]}/'" in text and "is not supported" in text
    assert "openai/, azure/, gemini/" in text and "hosted_vllm/" in text


def test_an_unknown_provider_is_named_unknown():
    raw = {"model_list": [{"model_name": "m", "litellm_params": {"model": "nosuch/m"}}]}
    with pytest.raises(ConfigError, match="'nosuch/' in 'nosuch/m' is an unknown provider"):
        load_settings(raw=raw, environ={})
