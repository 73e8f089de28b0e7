"""The JWT directory settings, and LiteLLM's litellm_jwtauth fields the gateway does not build, are
checked at start-up, one line naming the key; the ones not built are reported, or refused."""

from __future__ import annotations

import logging

import pytest

from gateway.auth.jwt.settings import jwt_settings
from gateway.settings import ConfigError, load_settings
from tests.auth.jwt.conftest import CHAT, bearer
from tests.auth.jwt.test_claims import make_team

ENV = {"JWT_PUBLIC_KEY_URL": "http://127.0.0.1:1/certs"}


def jwt(**fields):
    return {"general_settings": {"enable_jwt_auth": True, "litellm_jwtauth": fields}}


@pytest.mark.parametrize(
    ("raw", "line"),
    [
        (jwt(roles_jwt_field="groups"), "general_settings.litellm_jwtauth.role_mappings: roles_jwt_field and role_mappings must be set together"),
        (jwt(user_allowed_roles=["a"]), "general_settings.litellm_jwtauth.user_allowed_roles: user_roles_jwt_field and user_allowed_roles must be set together"),
        (jwt(roles_jwt_field="g", role_mappings=[{"role": "x", "internal_role": "org_admin"}]), "general_settings.litellm_jwtauth.role_mappings[0].internal_role: must be one of proxy_admin, team, internal_user, got 'org_admin'"),
        (jwt(team_id_upsert="yes"), "general_settings.litellm_jwtauth.team_id_upsert: must be true or false, got 'yes'"),
        ({"litellm_settings": {"default_internal_user_params": {"user_role": "proxy_admin"}}}, "litellm_settings.default_internal_user_params.user_role: must be internal_user or internal_user_viewer (never an admin role), got 'proxy_admin'"),
        ({"litellm_settings": {"default_team_params": {"max_budget": -1}}}, "litellm_settings.default_team_params.max_budget: must be a number >= 0, got -1"),
        ({"litellm_settings": {"default_team_params": {"budget_duration": "1y"}}}, "litellm_settings.default_team_params.budget_duration"),
        ({"general_settings": {"role_permissions": [{"role": "team", "model": ["x"]}]}}, "general_settings.role_permissions[0].model: unknown setting"),
    ],
)  # fmt: skip
def test_a_bad_setting_is_one_line(raw, line):
    with pytest.raises(ConfigError) as info:
        load_settings(raw=raw, environ=ENV)
    assert str(info.value).startswith(f"config error in <config>: {line}")


def test_the_settings_reach_the_jwt_link():
    raw = jwt(
        team_ids_jwt_field="groups",
        user_allowed_email_domain="@Example.COM",
        roles_jwt_field="realm_access.roles",
        role_mappings=[{"role": "gw-admins", "internal_role": "proxy_admin"}],
        enforce_rbac=True,
    )
    raw["general_settings"]["role_permissions"] = [
        {"role": "team", "models": ["m"], "routes": ["openai_routes"]}
    ]
    raw["litellm_settings"] = {"default_team_params": {"rpm_limit": 5}}
    s = jwt_settings(load_settings(raw=raw, environ=ENV))
    assert s.team_ids_field == "groups" and s.email_domain == "example.com"
    assert s.role_mappings == (("gw-admins", "proxy_admin"),) and s.enforce_rbac
    assert s.role_permissions == {"team": (("m",), ("llm_api_routes",))}
    assert s.team_template.rpm_limit == 5 and s.user_template is None


# LiteLLM's litellm_jwtauth fields the gateway accepts, checks and does not build (docs/jwt.md).
IGNORED = [
    ("public_allowed_routes", ["public_routes"]),
    ("upsert_sso_user_to_team", True),
    ("sync_user_role_and_teams", True),
    ("jwt_litellm_role_map", [{"jwt_role": "ADMIN", "litellm_role": "proxy_admin"}]),
    ("scope_mappings", [{"scope": "litellm.api.consumer", "models": ["gpt-4o"], "routes": ["/v1/models"]}]),
    # The three refused when set are inert, and only reported, at their defaults:
    ("enforce_scope_based_access", False),
    ("custom_validate", None),
    ("object_id_jwt_field", None),
]


@pytest.mark.parametrize(("name", "value"), IGNORED)
def test_a_litellm_field_not_built_is_accepted_and_reported_as_ignored(name, value):
    settings = load_settings(raw=jwt(**{name: value}), environ=ENV)
    assert f"general_settings.litellm_jwtauth.{name}" in settings.ignored
    jwt_settings(settings)  # and the JWT link still builds


def test_the_ignored_fields_are_exactly_the_ones_reported():
    from gateway.settings import schema

    assert {name for name, _ in IGNORED} == schema.JWT_AUTH_IGNORED
    assert not schema.JWT_AUTH & schema.JWT_AUTH_IGNORED
    assert load_settings(raw=jwt(team_id_jwt_field="team"), environ=ENV).ignored == ()  # built: not reported


def test_ignored_fields_are_in_the_start_up_report(gateway, caplog, monkeypatch):
    monkeypatch.delenv("GATEWAY_CONFIG_REPORTED", raising=False)
    with caplog.at_level(logging.WARNING, logger="gateway"):
        gateway({"scope_mappings": [{"scope": "s", "models": ["gpt-4o"]}], "upsert_sso_user_to_team": True})
    assert "ignoring LiteLLM settings this gateway does not implement" in caplog.text
    assert "general_settings.litellm_jwtauth.scope_mappings" in caplog.text
    assert "general_settings.litellm_jwtauth.upsert_sso_user_to_team" in caplog.text


WIDER = "access would be wider than configured"


@pytest.mark.parametrize(
    ("fields", "line"),
    [
        (
            {"enforce_scope_based_access": True, "scope_mappings": [{"scope": "s", "models": ["gpt-4o"]}]},
            "general_settings.litellm_jwtauth.enforce_scope_based_access: true is not implemented by this gateway",
        ),
        ({"enforce_scope_based_access": True}, "general_settings.litellm_jwtauth.enforce_scope_based_access: true is not implemented"),
        ({"custom_validate": "my_module.validate"}, "general_settings.litellm_jwtauth.custom_validate: not implemented by this gateway"),
    ],
)  # fmt: skip
def test_an_unbuilt_restriction_stops_start_up(fields, line):
    with pytest.raises(ConfigError) as info:
        load_settings(raw=jwt(**fields), environ=ENV)
    assert str(info.value).startswith(f"config error in <config>: {line}")
    assert WIDER in str(info.value)


def test_object_id_jwt_field_stops_start_up_rather_than_map_the_token_to_another_team_or_user():
    raw = jwt(
        object_id_jwt_field="oid",
        roles_jwt_field="roles",
        role_mappings=[{"role": "r", "internal_role": "team"}],
    )
    with pytest.raises(ConfigError) as info:
        load_settings(raw=raw, environ=ENV)
    assert str(info.value).startswith(
        "config error in <config>: general_settings.litellm_jwtauth.object_id_jwt_field: not implemented by this "
        "gateway, so a role-mapped token would act as the team or user its other claims name"
    )


@pytest.mark.parametrize(
    ("fields", "line"),
    [
        ({"public_allowed_routes": "public_routes"}, "general_settings.litellm_jwtauth.public_allowed_routes: must be a list of strings"),
        ({"upsert_sso_user_to_team": "yes"}, "general_settings.litellm_jwtauth.upsert_sso_user_to_team: must be true or false, got 'yes'"),
        ({"sync_user_role_and_teams": 1}, "general_settings.litellm_jwtauth.sync_user_role_and_teams: must be true or false, got 1"),
        ({"jwt_litellm_role_map": {"ADMIN": "proxy_admin"}}, "general_settings.litellm_jwtauth.jwt_litellm_role_map: must be a list of {jwt_role, litellm_role}"),
        ({"jwt_litellm_role_map": [{"jwt_role": "A", "litellm_role": "root"}]}, "general_settings.litellm_jwtauth.jwt_litellm_role_map[0].litellm_role: must be a LiteLLM user role"),
        ({"scope_mappings": {"s": ["gpt-4o"]}}, "general_settings.litellm_jwtauth.scope_mappings: must be a list of {scope, models, routes}"),
        ({"scope_mappings": [{"scope": "s", "model": ["gpt-4o"]}]}, "general_settings.litellm_jwtauth.scope_mappings[0].model: unknown setting"),
        ({"scope_mappings": [{"scope": "a b"}]}, "general_settings.litellm_jwtauth.scope_mappings[0].scope: a scope cannot contain spaces"),
        ({"enforce_scope_based_access": "false"}, "general_settings.litellm_jwtauth.enforce_scope_based_access: must be true or false, got 'false'"),
        ({"custom_validate": "validate"}, "general_settings.litellm_jwtauth.custom_validate: must be 'module.function', got 'validate'"),
        ({"custom_validate": 3}, "general_settings.litellm_jwtauth.custom_validate: must be 'module.function', got 3"),
        ({"object_id_jwt_field": ["oid"]}, "general_settings.litellm_jwtauth.object_id_jwt_field: must be a claim name"),
        ({"enforce_team_based_model_access": "no"}, "general_settings.litellm_jwtauth.enforce_team_based_model_access: must be true or false, got 'no'"),
        ({"admin_allowed_routes": [3]}, "general_settings.litellm_jwtauth.admin_allowed_routes[0]: must be a list of strings"),
    ],
)  # fmt: skip
def test_a_wrong_type_is_one_line(fields, line):
    with pytest.raises(ConfigError) as info:
        load_settings(raw=jwt(**fields), environ=ENV)
    assert str(info.value).startswith(f"config error in <config>: {line}")


TEAM_MODELS_WARNING = (
    "litellm_jwtauth.enforce_team_based_model_access: false is not honoured; "
    "a JWT caller is always held to its team's models"
)


def test_enforce_team_based_model_access_false_is_a_start_up_warning():
    settings = load_settings(raw=jwt(enforce_team_based_model_access=False), environ=ENV)
    assert TEAM_MODELS_WARNING in settings.warnings
    assert not any("enforce_team_based_model_access" in name for name in settings.ignored)
    for raw in (jwt(enforce_team_based_model_access=True), jwt()):  # what the gateway does anyway
        assert load_settings(raw=raw, environ=ENV).warnings == ()


def test_enforce_team_based_model_access_false_loosens_nothing(gateway, idp):
    app = gateway({"team_id_jwt_field": "team_id", "enforce_team_based_model_access": False})
    client = app.test_client()
    make_team(client, "t1", models=["gpt-4o"])
    token = bearer(idp.token(team_id="t1"))
    resp = client.post("/v1/chat/completions", json={"model": "gpt-4o-mini", **CHAT}, headers=token)
    assert resp.status_code == 403 and resp.json["error"]["type"] == "permission_denied"
    assert (
        client.post("/v1/chat/completions", json={"model": "gpt-4o", **CHAT}, headers=token).status_code
        == 200
    )
    assert TEAM_MODELS_WARNING in client.get("/health/readiness").json["warnings"]
