"""JWT settings: defaults, one-line errors naming the key, start-up warnings, no fetch at start-up."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest
import yaml

from gateway.auth.jwt.settings import JwtSettings, jwt_settings
from gateway.settings import ConfigError, load_settings
from tests.auth.jwt.conftest import bearer
from tests.support.live import clean_env
from tests.support.net import closed_port

URL = "https://idp.example/realms/r/protocol/openid-connect/certs"


def parse(jwt_auth: dict | None = None, env: dict | None = None) -> JwtSettings:
    raw = {"general_settings": {"enable_jwt_auth": True, "litellm_jwtauth": jwt_auth or {}}}
    return jwt_settings(load_settings(raw=raw, environ={"JWT_PUBLIC_KEY_URL": URL, **(env or {})}))


def test_defaults():
    settings = parse()
    assert settings.urls == (URL,)
    assert (settings.leeway, settings.public_key_ttl) == (30.0, 600.0)
    assert (settings.admin_scope, settings.user_id_field) == ("litellm_proxy_admin", "sub")
    assert settings.scope_field == "scope"  # `scp` is read only when scope_jwt_field names it
    assert settings.team_id_field is None and settings.email_field is None
    assert settings.team_allowed_routes == () and settings.allowed_models == ()
    assert settings.admin_allowed_routes == ()  # the admin role's default routes
    assert settings.issuer is None and settings.audience is None


def test_values_are_read():
    settings = parse(
        {"leeway": 5, "public_key_ttl": 60, "team_allowed_routes": ["openai_routes", "/v1/models"]},
        {"JWT_PUBLIC_KEY_URL": f" {URL} , http://kc:8080/realms/x/.well-known/openid-configuration ",
         "JWT_ISSUER": "https://idp.example/realms/r", "JWT_AUDIENCE": "gw"},
    )  # fmt: skip
    assert settings.urls == (URL, "http://kc:8080/realms/x/.well-known/openid-configuration")
    assert (settings.leeway, settings.public_key_ttl) == (5.0, 60.0)
    assert settings.team_allowed_routes == ("llm_api_routes", "/v1/models")
    assert (settings.issuer, settings.audience) == ("https://idp.example/realms/r", "gw")


def test_admin_allowed_routes_are_read_with_litellm_group_names():
    settings = parse(
        {
            "admin_allowed_routes": [
                "management_routes",
                "spend_tracking_routes",
                "global_spend_tracking_routes",
            ]
        }
    )
    assert settings.admin_allowed_routes == (
        "management_routes", "/spend/logs", "/global/spend/*", "/global/predict/spend/logs",
    )  # fmt: skip


def test_unknown_route_group_is_one_line_naming_the_entry():
    with pytest.raises(ConfigError) as info:
        parse({"team_allowed_routes": ["llm_api_routes", "anthropic_routez"]})
    assert str(info.value).startswith(
        "config error in <config>: general_settings.litellm_jwtauth.team_allowed_routes[1]: "
        "unknown route group 'anthropic_routez' (known: llm_api_routes, info_routes, management_routes, "
    )


@pytest.mark.parametrize(
    ("jwt_auth", "env", "key"),
    [
        ({"leeway": -1}, {}, "litellm_jwtauth.leeway"),
        ({"leeway": "30"}, {}, "litellm_jwtauth.leeway"),
        ({"leeway": True}, {}, "litellm_jwtauth.leeway"),
        ({"public_key_ttl": -5}, {}, "litellm_jwtauth.public_key_ttl"),
        ({"public_key_ttl": float("inf")}, {}, "litellm_jwtauth.public_key_ttl"),
        ({"team_allowed_routes": "llm_api_routes"}, {}, "litellm_jwtauth.team_allowed_routes"),
        ({"admin_allowed_routes": []}, {}, "litellm_jwtauth.admin_allowed_routes"),
        ({"admin_allowed_routes": "management_routes"}, {}, "litellm_jwtauth.admin_allowed_routes"),
        (
            {"admin_allowed_routes": ["info_routes", "spend_routes"]},
            {},
            "litellm_jwtauth.admin_allowed_routes[1]",
        ),
        ({"team_allowed_routes": ["openai_route"]}, {}, "litellm_jwtauth.team_allowed_routes[0]"),
        ({"allowed_models": ["gpt-4o", 3]}, {}, "litellm_jwtauth.allowed_models"),
        ({"user_id_jwt_field": ""}, {}, "litellm_jwtauth.user_id_jwt_field"),
        ({"team_id_jwt_field": ["team"]}, {}, "litellm_jwtauth.team_id_jwt_field"),
        ({"admin_jwt_scope": "admin all"}, {}, "litellm_jwtauth.admin_jwt_scope"),
        ({"scope_jwt_field": ""}, {}, "litellm_jwtauth.scope_jwt_field"),
        ({"scope_jwt_field": ["scope", "scp"]}, {}, "litellm_jwtauth.scope_jwt_field"),
        ({}, {"JWT_PUBLIC_KEY_URL": ""}, "JWT_PUBLIC_KEY_URL"),
        ({}, {"JWT_PUBLIC_KEY_URL": "file:///etc/jwks.json"}, "JWT_PUBLIC_KEY_URL"),
    ],
)
def test_bad_value_is_a_config_error_naming_the_key(jwt_auth, env, key):
    with pytest.raises(ConfigError) as info:
        parse(jwt_auth, env)
    assert key in str(info.value)


@pytest.mark.parametrize(
    ("general", "url", "line"),
    [
        (
            {"enable_jwt_auth": True},
            "",
            "JWT_PUBLIC_KEY_URL: must be set when general_settings.enable_jwt_auth",
        ),
        (
            {"enable_jwt_auth": True, "litellm_jwtauth": {"leeway": -1}},
            URL,
            "general_settings.litellm_jwtauth.leeway: must be a number of seconds >= 0",
        ),
        (
            {"enable_jwt_auth": True, "litellm_jwtauth": {"admin_allowed_routes": ["admin_routes"]}},
            URL,
            "general_settings.litellm_jwtauth.admin_allowed_routes[0]: unknown route group 'admin_routes'",
        ),
        (
            {"enable_jwt_auth": True, "litellm_jwtauth": {"enforce_scope_based_access": True}},
            URL,
            "general_settings.litellm_jwtauth.enforce_scope_based_access: true is not implemented",
        ),
    ],
)
def test_bad_jwt_config_stops_start_up_with_one_line(tmp_path, general, url, line):
    # In a process of its own, as gunicorn's workers start: exit 3 and one line naming file and key.
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"general_settings": general}))
    env = clean_env(
        {
            "CONFIG_FILE_PATH": str(config),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'gw.db'}",
            "GATEWAY_INSTANCE_PATH": str(tmp_path / "instance"),
            "LITELLM_MASTER_KEY": "sk-test-master-key-0001",
            "JWT_PUBLIC_KEY_URL": url,
        }
    )
    proc = subprocess.run(
        [sys.executable, "-c", "from gateway.entry import make_app; make_app()"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 3
    assert f"config error in {config}: {line}" in proc.stderr


def test_unset_issuer_and_audience_are_warned_at_start_up(gateway, caplog, monkeypatch):
    monkeypatch.delenv("GATEWAY_CONFIG_REPORTED", raising=False)
    with caplog.at_level(logging.WARNING, logger="gateway.auth.jwt.settings"):
        gateway(env={"JWT_ISSUER": "", "JWT_AUDIENCE": ""})
    assert "JWT_ISSUER is not set" in caplog.text and "JWT_AUDIENCE is not set" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="gateway.auth.jwt.settings"):
        gateway()
    assert caplog.text == ""


def test_start_up_fetches_nothing_and_survives_a_down_idp(gateway, idp):
    gateway()
    assert idp.certs_fetches == 0
    app = gateway(urls=[f"http://127.0.0.1:{closed_port()}/certs"])
    assert app.test_client().get("/health/liveliness").status_code == 200


def test_jwt_disabled_leaves_jwt_shaped_credentials_to_the_chain(make_app, idp):
    app = make_app({}, {"JWT_PUBLIC_KEY_URL": idp.jwks_url})
    resp = app.test_client().get("/v1/models", headers=bearer(idp.token()))
    assert resp.status_code == 401 and "JWT" not in resp.json["error"]["message"]
    assert idp.certs_fetches == 0 and "gateway.jwks" not in app.extensions
