"""The master key LiteLLM's tutorials use (`sk-1234`) is accepted, with a warning naming its source."""

from __future__ import annotations

import logging

import pytest

from gateway.settings import ConfigError, load_settings


def test_tutorial_master_key_is_accepted_with_a_warning():
    s = load_settings(raw={"general_settings": {"master_key": "sk-1234"}}, environ={})
    assert s.master_key == "sk-1234" and s.master_key_source == "general_settings.master_key"
    assert len(s.warnings) == 1 and "weak" in s.warnings[0] and "general_settings.master_key" in s.warnings[0]
    assert "sk-1234" not in s.warnings[0]


def test_weak_key_from_the_environment_names_the_variable():
    s = load_settings(raw={}, environ={"LITELLM_MASTER_KEY": "sk-1234"})
    assert s.master_key == "sk-1234" and s.master_key_source == "LITELLM_MASTER_KEY"
    assert "LITELLM_MASTER_KEY" in s.warnings[0] and "general_settings" not in s.warnings[0]


def test_config_reference_to_an_env_var_names_both():
    raw = {"general_settings": {"master_key": "os.environ/MY_KEY"}}
    s = load_settings(raw=raw, environ={"MY_KEY": "sk-1234"})
    assert s.master_key_source == "general_settings.master_key (os.environ/MY_KEY)"
    assert "os.environ/MY_KEY" in s.warnings[0]


def test_strong_key_has_no_warning():
    s = load_settings(raw={}, environ={"LITELLM_MASTER_KEY": "sk-" + "x" * 30})
    assert s.warnings == ()


def test_non_string_master_key_is_an_error_naming_its_source():
    with pytest.raises(ConfigError, match=r"general_settings\.master_key: must be a non-empty string"):
        load_settings(raw={"general_settings": {"master_key": 1234}}, environ={})
    raw = {"general_settings": {"master_key": "os.environ/MY_KEY"}}
    with pytest.raises(ConfigError, match=r"\(os\.environ/MY_KEY\): must be a non-empty string"):
        load_settings(raw=raw, environ={"MY_KEY": "  "})


def test_weak_key_is_logged_once_per_start(make_app, monkeypatch, caplog):
    monkeypatch.delenv("GATEWAY_CONFIG_REPORTED", raising=False)
    with caplog.at_level(logging.WARNING, logger="gateway"):
        make_app({}, env={"LITELLM_MASTER_KEY": "sk-1234"})
        # what this process starts next (a gunicorn worker after `gateway run`) stays quiet
        make_app({}, env={"LITELLM_MASTER_KEY": "sk-1234"})
    weak = [r for r in caplog.records if "is weak" in r.getMessage()]
    assert len(weak) == 1 and "sk-1234" not in caplog.text


def test_readiness_lists_the_weak_master_key(make_app):
    client = make_app({}, env={"LITELLM_MASTER_KEY": "sk-1234"}).test_client()
    ready = client.get("/health/readiness").json
    assert ready["status"] == "ready" and "LITELLM_MASTER_KEY" in ready["warnings"][0]
    assert client.get("/v1/models", headers={"Authorization": "Bearer sk-1234"}).status_code == 200
