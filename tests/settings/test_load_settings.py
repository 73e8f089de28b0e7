"""Config: LiteLLM's config.yaml format, `os.environ/`, and every error stopping start-up in one line."""

from __future__ import annotations

import pytest

from gateway.settings import ConfigError, load_settings


def test_model_list_general_settings_and_env_refs(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(
        """
model_list:
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      api_base: https://api.example.test/v1/
      api_key: os.environ/UPSTREAM_KEY
      timeout: 30
      stream_timeout: 5
    model_info: {input_cost_per_token: 2.5e-06, output_cost_per_token: 1.0e-05}
  - model_name: gpt-4o
    litellm_params:
      {model: azure/my-deploy, api_base: https://x.openai.azure.com, api_version: "2024-06-01", api_key: k2}
general_settings:
  master_key: os.environ/MY_MASTER
  litellm_key_header_name: X-Gateway-Key
  user_api_key_cache_ttl: 15
  max_request_size_mb: 2
"""
    )
    env = {
        "UPSTREAM_KEY": "up-secret",
        "MY_MASTER": "sk-master-123456",
        "DATABASE_URL": "postgresql://u@h/db",
        "REDIS_HOST": "r",
        "REDIS_PORT": "6380",
        "REDIS_PASSWORD": "p@ss",
    }
    s = load_settings(path=str(path), environ=env)
    a, b = s.deployments
    assert (a.provider, a.upstream_model, a.api_base, a.api_key) == (
        "openai",
        "gpt-4o",
        "https://api.example.test/v1",
        "up-secret",
    )
    assert (a.timeout, a.stream_timeout, a.input_cost_per_token) == (30.0, 5.0, 2.5e-06)
    assert (b.provider, b.upstream_model, b.api_version) == ("azure", "my-deploy", "2024-06-01")
    assert (a.model_name, b.model_name) == ("gpt-4o", "gpt-4o")
    assert s.master_key == "sk-master-123456"
    assert s.key_header_name == "X-Gateway-Key"
    assert s.key_cache_ttl == 15.0
    assert s.max_request_bytes == 2 * 1024 * 1024
    assert s.database_url == "postgresql+psycopg://u@h/db"
    assert s.redis_url == "redis://:p%40ss@r:6380/0"
    assert not s.embedded


def test_defaults_are_the_embedded_default():
    s = load_settings(environ={})
    assert s.embedded and s.redis_url is None and s.master_key is None
    assert s.max_request_bytes == 10 * 1024 * 1024 and s.key_cache_ttl == 60.0


def test_master_key_from_env_when_config_has_none():
    assert (
        load_settings(raw={}, environ={"LITELLM_MASTER_KEY": "sk-from-env-1234"}).master_key
        == "sk-from-env-1234"
    )


def test_model_without_provider_is_openai_and_environment_variables_section_is_read():
    raw = {
        "environment_variables": {"K": "from-section"},
        "model_list": [
            {
                "model_name": "m",
                "litellm_params": {"model": "gpt-4o-mini", "api_key": "os.environ/K"},
            }
        ],
    }
    d = load_settings(raw=raw, environ={}).deployments[0]
    assert (d.provider, d.api_base, d.api_key) == (
        "openai",
        "https://api.openai.com/v1",
        "from-section",
    )


def test_ollama_gets_its_openai_compatible_path():
    raw = {
        "model_list": [
            {
                "model_name": "m",
                "litellm_params": {"model": "ollama_chat/llama3", "api_base": "http://h:11434"},
            }
        ]
    }
    assert load_settings(raw=raw, environ={}).deployments[0].api_base == "http://h:11434/v1"


def test_litellm_settings_we_do_not_implement_are_listed_as_ignored():
    raw = {
        "litellm_settings": {"drop_params": True},
        "router_settings": {"routing_strategy": "simple-shuffle"},
        "general_settings": {"alerting": ["slack"]},
        "model_list": [{"model_name": "m", "litellm_params": {"model": "openai/m", "rpm": 5}}],
    }
    s = load_settings(raw=raw, environ={})
    assert set(s.ignored) == {
        "litellm_settings.drop_params",
        "router_settings",
        "general_settings.alerting: slack",
        "model_list[0].litellm_params.rpm",
    }


BAD = [
    (
        {"model_list": [{"model_name": "m", "litellm_params": {"model": "bedrock/claude"}}]},
        "model_list[0].litellm_params.model",
        "is not supported (supported: openai/, azure/, gemini/",
    ),
    (
        {
            "model_list": [
                {
                    "model_name": "m",
                    "litellm_params": {"model": "openai/m", "api_key": "os.environ/NOPE"},
                }
            ]
        },
        "model_list[0].litellm_params.api_key",
        "NOPE is not set",
    ),
    (
        {
            "model_list": [
                {
                    "model_name": "m",
                    "litellm_params": {
                        "model": "openai/m",
                        "configurable_clientside_auth_params": [{"api_base": "(["}],
                    },
                }
            ]
        },
        "configurable_clientside_auth_params[0]",
        "bad regex",
    ),
    ({"general_settings": {"master_keyy": "x"}}, "general_settings.master_keyy", "unknown setting"),
    ({"modle_list": []}, "modle_list", "unknown top-level"),
    (
        {"model_list": [{"model_name": "m", "litellm_params": {"model": "openai/m", "timeout": "soon"}}]},
        "litellm_params.timeout",
        "positive number",
    ),
    (
        {"model_list": [{"model_name": "m", "litellm_params": {"model": "openai/m", "temperatur": 1}}]},
        "litellm_params.temperatur",
        "unknown key",
    ),
    (
        {"model_list": [{"model_name": "m", "litellm_params": {"model": "hosted_vllm/m"}}]},
        "litellm_params.api_base",
        "needs api_base",
    ),
    (
        {
            "model_list": [
                {"model_name": "m", "litellm_params": {"model": "azure/d", "api_base": "https://a"}}
            ]
        },
        "litellm_params.api_version",
        "api_version",
    ),
    (
        {"model_list": [{"model_name": "m", "litellm_params": {"model": "openai/m", "api_base": "ftp://x"}}]},
        "litellm_params.api_base",
        "http(s) URL",
    ),
    (
        {"model_list": [{"litellm_params": {"model": "openai/m"}}]},
        "model_list[0].model_name",
        "non-empty string",
    ),
    ({"model_list": "gpt-4o"}, "model_list", "must be a list"),
    ({"general_settings": {"user_api_key_cache_ttl": -1}}, "user_api_key_cache_ttl", "positive"),
    (
        {"general_settings": {"custom_auth_settings": {"mode": "sometimes"}}},
        "custom_auth_settings.mode",
        "on, auto, off",
    ),
    (
        {"general_settings": {"litellm_key_header_name": "bad header"}},
        "litellm_key_header_name",
        "header name",
    ),
    ({"general_settings": {"enable_jwt_auth": "yes"}}, "enable_jwt_auth", "true or false"),
    ({"general_settings": {"master_key": 12345678}}, "master_key", "non-empty string"),
]


@pytest.mark.parametrize(("raw", "key", "words"), BAD)
def test_config_errors_name_the_key_and_the_file(tmp_path, raw, key, words):
    import yaml

    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ConfigError) as info:
        load_settings(path=str(path), environ={})
    line = str(info.value)
    assert "\n" not in line
    assert str(path) in line and key in line and words in line


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_settings(path=str(tmp_path / "nope.yaml"), environ={})
    bad = tmp_path / "bad.yaml"
    bad.write_text("model_list: [\n  - {")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_settings(path=str(bad), environ={})
    top = tmp_path / "list.yaml"
    top.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="top level must be a mapping"):
        load_settings(path=str(top), environ={})


def test_yaml_on_reads_as_mode_on():
    s = load_settings(raw={"general_settings": {"custom_auth_settings": {"mode": True}}}, environ={})
    assert s.custom_auth_mode == "on"
