"""The config's sections as typed models: each wrong type, unknown key and bound is one line naming
the file and the dotted key; the models' fields are the implemented lists; settings import no stage."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from gateway.config import validate_config
from gateway.settings import ConfigError, load_settings, schema
from gateway.settings.model_list import LiteLLMParams


def entry(**params) -> dict:
    return {"model_list": [{"model_name": "m", "litellm_params": {"model": "openai/m", **params}}]}


P = "model_list[0].litellm_params"
LINES = [
    # model_list: a wrong type, an unknown key, a bound, a check that needs code
    (entry(stream_timeout=0), f"{P}.stream_timeout: must be a positive number, got 0"),
    (entry(input_cost_per_token=-1), f"{P}.input_cost_per_token: must be a number >= 0, got -1"),
    (entry(mock_response=5), f"{P}.mock_response: must be a string, got 5"),
    (entry(organization=""), f"{P}.organization: must be a non-empty string, got ''"),
    (entry(configurable_clientside_auth_params="api_key"), f"{P}.configurable_clientside_auth_params: must be a list, got 'api_key'"),
    (entry(configurable_clientside_auth_params=["api_kye"]), f"{P}.configurable_clientside_auth_params[0]: must be one of api_key, api_base, api_version"),
    (entry(modle="x"), f"{P}.modle: unknown key"),
    ({"model_list": [{"model_name": "m", "litellm_params": {"model": "openai/m"}, "model_inf": {}}]}, "model_list[0].model_inf: unknown key"),
    ({"model_list": [{"model_name": "m", "litellm_params": {"model": "openai/m"}, "model_info": {"input_cost_per_token": "1"}}]},
     "model_list[0].model_info.input_cost_per_token: must be a number >= 0, got '1'"),
    ({"model_list": [{"model_name": "m", "litellm_params": {"model": "openai/m"}, "model_info": []}]}, "model_list[0].model_info: must be a mapping"),
    ({"model_list": [{"model_name": "m"}]}, "model_list[0].litellm_params: must be a mapping"),
    ({"model_list": ["m"]}, "model_list[0]: must be a mapping, got 'm'"),
    (entry(model="azure/d", api_version="2024-06-01"), f"{P}.api_base: azure/ needs api_base (or AZURE_API_BASE)"),
    # litellm_settings
    ({"litellm_settings": {"require_auth_for_metrics_endpoint": "yes"}}, "litellm_settings.require_auth_for_metrics_endpoint: must be true or false, got 'yes'"),
    ({"litellm_settings": {"ssl_verify": ""}}, "litellm_settings.ssl_verify: must be true, false or the path of a CA bundle"),
    ({"litellm_settings": ["x"]}, "litellm_settings: must be a mapping"),
    # litellm_jwtauth: typed whether or not JWT is enabled
    ({"general_settings": {"litellm_jwtauth": {"public_key_ttl": "600"}}}, "general_settings.litellm_jwtauth.public_key_ttl: must be a number of seconds >= 0, got '600'"),
    ({"general_settings": {"litellm_jwtauth": {"leeway": float("nan")}}}, "general_settings.litellm_jwtauth.leeway: must be a number of seconds >= 0, got nan"),
    ({"general_settings": {"litellm_jwtauth": {"allowed_models": ["gpt-4o", " "]}}}, "general_settings.litellm_jwtauth.allowed_models[1]: must be a list of strings, got ' '"),
    ({"general_settings": {"litellm_jwtauth": {"admin_jwt_scope": "admin\tall"}}}, "general_settings.litellm_jwtauth.admin_jwt_scope: a scope cannot contain spaces"),
    # job_schedule: the seconds here, the names by validate_config
    ({"general_settings": {"job_schedule": {"heartbeat": -1}}}, "general_settings.job_schedule.heartbeat: must be seconds > 0, got -1"),
    ({"general_settings": {"job_schedule": ["heartbeat"]}}, "general_settings.job_schedule: must map job names to seconds"),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "line"), LINES, ids=[line.split(":")[0] for _, line in LINES])
def test_each_bad_value_is_one_line_naming_the_dotted_key(raw, line):
    with pytest.raises(ConfigError) as info:
        load_settings(raw=raw, environ={})
    assert str(info.value) == f"config error in <config>: {line}"


def test_an_api_key_of_the_wrong_type_is_not_echoed():
    with pytest.raises(ConfigError) as info:
        load_settings(raw=entry(api_key=918273645), environ={})
    assert str(info.value) == f"config error in <config>: {P}.api_key: must be a non-empty string"


def test_an_unknown_job_is_refused_by_validate_config_with_the_known_ones():
    from gateway.jobs.registry import JOBS

    raw = {"general_settings": {"job_schedule": {"flush_usgae": 5}}}
    with pytest.raises(ConfigError) as info:
        validate_config(raw=raw, environ={})
    known = ", ".join(JOBS)
    assert str(info.value) == (
        f"config error in <config>: general_settings.job_schedule.flush_usgae: unknown job (known: {known})"
    )


def test_values_read_through_the_models():
    raw = {
        **entry(
            model="azure/d",
            api_version="2024-06-01",
            configurable_clientside_auth_params=["api_key", {"api_base": r"^https://.*\.example$"}],
            input_cost_per_token=1e-6,
        ),
        "litellm_settings": {"require_auth_for_metrics_endpoint": True, "ssl_verify": False},
        "general_settings": {"job_schedule": {"heartbeat": 2}, "litellm_jwtauth": {"leeway": 5}},
    }
    raw["model_list"][0]["model_info"] = {"id": 7, "output_cost_per_token": 2e-6, "mode": "chat"}
    s = load_settings(raw=raw, environ={"AZURE_API_BASE": "https://a.example/"})
    (d,) = s.deployments
    assert (d.provider, d.upstream_model, d.api_base, d.api_version) == (
        "azure",
        "d",
        "https://a.example",
        "2024-06-01",
    )
    assert (
        d.clientside.names == {"api_key"}
        and d.clientside.api_base_patterns[0].pattern == r"^https://.*\.example$"
    )
    assert (d.input_cost_per_token, d.output_cost_per_token, d.id) == (1e-6, 2e-6, "7")
    assert d.model_info == {"id": 7, "output_cost_per_token": 2e-6, "mode": "chat"}  # shown as given
    assert s.metrics_require_auth is True and s.transport.ssl_verify is False
    assert s.job_schedule == {"heartbeat": 2.0} and s.jwt_auth.leeway == 5.0  # fmt: skip


def test_the_models_fields_are_the_lists_of_implemented_keys():
    assert set(LiteLLMParams.model_fields) == schema.LITELLM_PARAMS
    assert {"model", "api_base", "timeout", "configurable_clientside_auth_params"} <= schema.LITELLM_PARAMS
    assert not schema.LITELLM_PARAMS & schema.LITELLM_PARAMS_IGNORED
    assert {
        "require_auth_for_metrics_endpoint",
        "ssl_verify",
        "max_end_user_budget",
        "default_team_params",
        "default_internal_user_params",
    } == schema.LITELLM_SETTINGS


STAGES = {"auth", "keycache", "authz", "proxy", "usage", "keys", "admin", "jobs"}


def _imports(path: Path) -> set[str]:
    """Every module a file imports, relative ones resolved against gateway.settings."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = ["gateway", "settings"][: 2 - (node.level - 1)] if node.level else []
            out.add(".".join([*base, *([node.module] if node.module else [])]))
            out |= {".".join([*base, a.name]) for a in node.names} if not node.module else set()
    return out


def test_settings_import_no_stage_and_no_flask():
    """The settings come first on the path: every stage reads them, they read none (nor gateway.jobs,
    whose names validate_config checks)."""
    files = sorted((Path(__file__).parents[2] / "gateway" / "settings").glob("*.py"))
    assert len(files) >= 9
    for path in files:
        for name in _imports(path):
            parts = name.split(".")
            assert parts[0] != "flask", (path, name)
            assert not (parts[0] == "gateway" and len(parts) > 1 and parts[1] in STAGES), (path, name)
