"""What a custom auth function returns → a Principal: defaults that never widen access, strict fields."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import Enum

import pytest

from gateway.auth.custom_result import InvalidPrincipal, to_principal
from gateway.authz import authorize, authorize_route
from gateway.compat.litellm import LitellmUserRoles
from gateway.compat.litellm import UserAPIKeyAuth as CompatUserAPIKeyAuth
from gateway.errors import AuthError, ExpiredKey, PermissionDenied
from gateway.values import Limits
from tests.auth.fixtures.custom_fns import UserAPIKeyAuth


class Role(Enum):  # LiteLLM's LitellmUserRoles is an Enum (of str)
    PROXY_ADMIN = "proxy_admin"


def test_empty_dict_is_an_ordinary_user_never_an_admin():
    p = to_principal({})
    assert (p.method, p.role, p.subject, p.user_id, p.models, p.key_hash) == (
        "custom",
        "internal_user",
        "custom",
        None,
        (),
        None,
    )
    with pytest.raises(PermissionDenied):
        authorize_route(p, "/key/generate")


def test_dict_fields_and_the_callers_key_is_never_kept():
    p = to_principal(
        {
            "user_id": "u1",
            "team_id": "t1",
            "role": "team",
            "models": ["gpt-4o"],
            "allowed_routes": ["/chat/completions"],
            "metadata": {"dept": "x"},
            "rpm_limit": 10,
            "max_budget": 2.5,
            "api_key": "my-custom-key-888",
            "token": "abc",
        }
    )
    assert (p.subject, p.user_id, p.team_id, p.role) == ("u1", "u1", "t1", "team")
    assert p.models == ("gpt-4o",) and p.allowed_routes == ("/chat/completions",)
    assert p.metadata == {"dept": "x"} and p.limits == Limits(rpm_limit=10, max_budget=2.5)
    assert "my-custom-key-888" not in repr(p)


def test_litellm_style_object_with_user_role_and_an_enum_role():
    p = to_principal(UserAPIKeyAuth(api_key="k", user_id="o", user_role=Role.PROXY_ADMIN, models=["a"]))
    assert (p.user_id, p.role, p.models) == ("o", "proxy_admin", ("a",)) and type(p.role) is str
    assert to_principal({"user_role": "team"}).role == "team"


@pytest.mark.parametrize(
    ("result", "field"),
    [
        ({"model": ["gpt-4o"]}, "model (unknown field)"),
        ({"role": "superuser"}, "role (must be one of proxy_admin, internal_user, team)"),
        ({"role": "team", "user_role": "proxy_admin"}, "user_role (conflicts with role)"),
        ({"models": "gpt-4o"}, "models (must be a list of strings)"),
        ({"models": [1]}, "models (must be a list of strings)"),
        ({"allowed_routes": {"/x": 1}}, "allowed_routes (must be a list of strings)"),
        ({"user_id": 7}, "user_id (must be a non-empty string)"),
        ({"user_id": ""}, "user_id (must be a non-empty string)"),
        ({"metadata": ["x"]}, "metadata (must be a mapping)"),
        ({"rpm_limit": 1.5}, "rpm_limit (must be a number >= 0)"),
        ({"max_budget": -1}, "max_budget (must be a number >= 0)"),
        ({"tpm_limit": True}, "tpm_limit (must be a number >= 0)"),
        (True, "result (a dict or a principal-like object, not bool)"),
        ("user-1", "result (a dict or a principal-like object, not str)"),
        (["u"], "result (a dict or a principal-like object, not list)"),
    ],
)
def test_unreadable_results_name_the_field(result, field):
    with pytest.raises(InvalidPrincipal) as info:
        to_principal(result)
    assert str(info.value) == field


def test_compat_user_api_key_auth_maps_litellm_fields_into_the_principal():
    result = CompatUserAPIKeyAuth(
        api_key="sk-callers-own-key-0000",
        user_id="u1",
        team_id="t1",
        user_role=LitellmUserRoles.TEAM,
        models=["gpt-4o"],
        allowed_routes=["/chat/completions"],
        metadata={"dept": "x"},
        max_budget=5.0,
        spend=1.5,
        rpm_limit=10,
        tpm_limit=1000,
        max_parallel_requests=2,
        key_alias="ignored",
        team_models=["ignored"],
        user_email="u1@example.com",
    )
    p = to_principal(result)
    assert (p.user_id, p.team_id, p.role, p.models, p.allowed_routes) == (
        "u1",
        "t1",
        "team",
        ("gpt-4o",),
        ("/chat/completions",),
    )
    assert p.limits == Limits(
        max_budget=5.0, spend=1.5, rpm_limit=10, tpm_limit=1000, max_parallel_requests=2
    )
    assert "sk-callers-own-key-0000" not in repr(p) + repr(result)
    # The defaults LiteLLM gives: an ordinary user with every model, never an admin.
    assert to_principal(CompatUserAPIKeyAuth(api_key="k")).role == "internal_user"


def test_compat_user_api_key_auth_refuses_unknown_fields():
    with pytest.raises(TypeError, match="'model'"):
        CompatUserAPIKeyAuth(api_key="k", model=["gpt-4o"])


@pytest.mark.parametrize("result", [{"blocked": True}, CompatUserAPIKeyAuth(blocked=True)])
def test_a_blocked_result_is_refused(result):
    principal = to_principal(result)
    assert principal.blocked  # carried to authz, which refuses it for every route
    with pytest.raises(AuthError) as info:
        authorize(principal, "/v1/chat/completions")
    assert info.value.reason == "blocked_key" and info.value.message == "Key is blocked."


@pytest.mark.parametrize(
    "expires",
    ["2001-01-01T00:00:00Z", datetime(2001, 1, 1), datetime(2001, 1, 1, tzinfo=UTC)],
)
def test_an_expired_result_is_refused(expires):
    with pytest.raises(ExpiredKey, match="Key has expired"):
        authorize(to_principal(CompatUserAPIKeyAuth(expires=expires)), "/v1/chat/completions")
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    fresh = to_principal({"expires": future, "blocked": False})
    authorize(fresh, "/v1/chat/completions")
    assert fresh.role == "internal_user"


@pytest.mark.parametrize(
    ("result", "field"),
    [
        ({"expires": "next tuesday"}, "expires (must be an ISO 8601 time or a datetime)"),
        ({"expires": 1700000000}, "expires (must be an ISO 8601 time or a datetime)"),
        ({"blocked": "yes"}, "blocked (must be true or false)"),
        ({"spend": -1}, "spend (must be a number >= 0)"),
        (CompatUserAPIKeyAuth(user_role=LitellmUserRoles.PROXY_ADMIN_VIEW_ONLY), "role (must be one of"),
    ],
)
def test_unreadable_litellm_fields_name_the_field(result, field):
    with pytest.raises(InvalidPrincipal) as info:
        to_principal(result)
    assert str(info.value).startswith(field)
