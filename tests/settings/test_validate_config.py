"""One validate_config() for start-up and `gateway.entry --check`: the same checks, the same line."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from gateway.settings import ConfigError
from tests.support.live import clean_env

# Each refused by a different stage's check: the config file, the JWT settings, custom auth.
BAD = [
    ({"general_settings": {"user_api_key_cache_ttl": 0}}, "general_settings.user_api_key_cache_ttl"),
    (
        {"general_settings": {"enable_jwt_auth": True, "litellm_jwtauth": {"admin_jwt_scope": "a b"}}},
        "general_settings.litellm_jwtauth.admin_jwt_scope",
    ),
    ({"general_settings": {"custom_auth": "custom_q.missing"}}, "general_settings.custom_auth"),
]


@pytest.mark.parametrize(("raw", "key"), BAD, ids=[k for _, k in BAD])
def test_start_up_and_check_refuse_a_bad_config_with_the_same_line(make_app, tmp_path, raw, key):
    (tmp_path / "custom_q.py").write_text("def check(request, api_key):\n    return None\n")
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(raw))
    env = {"JWT_PUBLIC_KEY_URL": "http://127.0.0.1:9/jwks"}
    with pytest.raises(ConfigError) as info:
        make_app(raw, env=env, CONFIG_FILE_PATH=str(path))
    check = subprocess.run(
        [sys.executable, "-m", "gateway.entry", "--check"],
        env=clean_env({"CONFIG_FILE_PATH": str(path), **env}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 2
    assert key in str(info.value)
    assert check.stderr.strip().splitlines()[-1] == str(info.value).replace("<config>", str(path))


def test_a_custom_auth_file_beside_the_config_runs_once_per_start(make_app, tmp_path, upstream):
    """validate_config imports the function; the auth chain uses that one, not a second import
    (module code beside the config may open connections or count)."""
    runs = tmp_path / "runs.txt"
    (tmp_path / "counted.py").write_text(
        f"with open({str(runs)!r}, 'a') as fh:\n    fh.write('x')\n\n"
        "def check(request, api_key):\n    return None\n"
    )
    raw = {"general_settings": {"custom_auth": "counted.check", "custom_auth_settings": {"mode": "auto"}}}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(raw))
    make_app(raw, CONFIG_FILE_PATH=str(path))
    assert runs.read_text() == "x"


@pytest.mark.parametrize(
    ("general", "key", "words"),
    [
        (
            {"max_response_size_mb": True},
            "general_settings.max_response_size_mb",
            "positive number, got True",
        ),
        (
            {"custom_auth_settings": {"mod": "on"}},
            "general_settings.custom_auth_settings.mod",
            "unknown setting",
        ),
        ({"custom_auth_settings": "on"}, "general_settings.custom_auth_settings", "must be a mapping"),
        ({"litellm_jwtauth": {"lee": 1}}, "general_settings.litellm_jwtauth.lee", "unknown setting"),
        ({"limits_on_redis_failure": "shut"}, "general_settings.limits_on_redis_failure", "open, closed"),
    ],
)
def test_general_settings_model_errors_are_one_line_naming_the_dotted_key(general, key, words):
    from gateway.settings import load_settings

    with pytest.raises(ConfigError) as info:
        load_settings(raw={"general_settings": general}, environ={})
    assert str(info.value) == f"config error in <config>: {key}: {str(info.value).split(': ', 2)[2]}"
    assert words in str(info.value) and "\n" not in str(info.value)


def test_a_bad_database_url_is_not_echoed():
    from gateway.settings import load_settings

    with pytest.raises(ConfigError) as info:
        load_settings(raw={"general_settings": {"database_url": 5432}}, environ={})
    assert str(info.value).endswith("general_settings.database_url: must be a URL string")


def test_no_general_setting_is_both_implemented_and_ignored():
    from gateway.settings import schema

    assert "user_api_key_cache_ttl" in schema.GENERAL  # the model's fields
    assert not schema.GENERAL & schema.GENERAL_IGNORED
