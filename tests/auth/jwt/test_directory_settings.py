"""The JWT directory settings are checked at start-up, one line naming the key."""

from __future__ import annotations

import pytest

from gateway.auth.jwt.settings import jwt_settings
from gateway.settings import ConfigError, load_settings

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
