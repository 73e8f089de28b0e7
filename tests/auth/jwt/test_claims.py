"""Claims → principal, and the JWT principal through the same authorization as a key."""

from __future__ import annotations

import pytest
from flask import Flask, request

from gateway.stages import stages
from gateway.values import Principal
from tests.auth.jwt.conftest import CHAT, bearer
from tests.conftest import MASTER, auth


def principal_for(app: Flask, token: str) -> Principal:
    with app.test_request_context("/v1/models", headers=bearer(token)):
        s = stages(app)
        return s.auth.authenticate(s.credentials.read(request.environ), request)


def make_team(app_or_client, team_id: str, **fields) -> None:
    """A team in the directory: a JWT's team must be one (or be upserted, tests/auth/test_jwt_callers.py)."""
    client = app_or_client.test_client() if isinstance(app_or_client, Flask) else app_or_client
    resp = client.post("/team/new", json={"team_id": team_id, **fields}, headers=auth(MASTER))
    assert resp.status_code == 200, resp.json


def model_ids(client, token: str) -> list[str]:
    resp = client.get("/v1/models", headers=bearer(token))
    assert resp.status_code == 200, resp.json
    return [m["id"] for m in resp.json["data"]]


def test_admin_scope_in_a_configured_scp_list_makes_a_proxy_admin(gateway, idp):
    client = gateway({"scope_jwt_field": "scp"}).test_client()
    admin = bearer(idp.token(scp=["openid", "litellm_proxy_admin"]))
    resp = client.post("/key/generate", json={"key_alias": "made-by-jwt"}, headers=admin)  # admin route
    assert resp.status_code == 200, resp.json
    key = resp.json["key"]
    assert client.get("/key/list", headers=admin).json["total_count"] == 1
    resp = client.post("/v1/chat/completions", json={"model": "gpt-4o", **CHAT}, headers=admin)  # LLM route
    assert resp.status_code == 200
    assert client.get("/v1/models", headers=auth(key)).status_code == 200  # the key it made works


def test_admin_scope_in_a_space_separated_scope_makes_a_proxy_admin(gateway, idp):
    principal = principal_for(gateway(), idp.token(scope="openid profile litellm_proxy_admin"))
    assert principal.role == "proxy_admin"


def test_configured_admin_scope_replaces_the_default(gateway, idp):
    app = gateway({"admin_jwt_scope": "gateway:admin"})
    assert principal_for(app, idp.token(scope="openid gateway:admin")).role == "proxy_admin"
    assert principal_for(app, idp.token(scope="litellm_proxy_admin")).role == "internal_user"


@pytest.mark.parametrize(
    "claims",
    [
        {"scp": ["openid", "litellm_proxy_admin"]},  # scp is not read unless configured
        {"scp": "litellm_proxy_admin"},
        {"scope": ["openid", "litellm_proxy_admin"]},  # RFC 6749 §3.3: a scope is a string, not a list
        {"scope": {"litellm_proxy_admin": True}},
        {"scope": "openid\tlitellm_proxy_admin"},  # only U+0020 separates scope tokens
        {"scope": "openid\nlitellm_proxy_admin"},
        {"scope": "openid\u00a0litellm_proxy_admin"},
    ],
    ids=["scp-list", "scp-string", "scope-list", "scope-object", "tab", "newline", "nbsp"],
)
def test_admin_scope_only_from_a_space_delimited_scope_string(gateway, idp, claims):
    client = gateway().test_client()
    token = idp.token(**claims)
    assert principal_for(gateway(), token).role == "internal_user"
    resp = client.post("/key/generate", json={}, headers=bearer(token))
    assert resp.status_code == 403 and resp.json["error"]["type"] == "permission_denied"


def test_scope_jwt_field_reads_that_claim_instead_of_scope(gateway, idp):
    app = gateway({"scope_jwt_field": "scp"})
    assert principal_for(app, idp.token(scp="openid litellm_proxy_admin")).role == "proxy_admin"  # Azure AD
    assert principal_for(app, idp.token(scp=["litellm_proxy_admin", 7])).role == "proxy_admin"  # Okta
    assert principal_for(app, idp.token(scp="openid\tlitellm_proxy_admin")).role == "internal_user"
    assert principal_for(app, idp.token(scope="litellm_proxy_admin")).role == "internal_user"  # not read
    nested = gateway({"scope_jwt_field": "authz.scopes"})
    assert principal_for(nested, idp.token(authz={"scopes": ["litellm_proxy_admin"]})).role == "proxy_admin"


def test_scope_jwt_field_named_scope_keeps_the_rfc_reading(gateway, idp):
    app = gateway({"scope_jwt_field": "scope"})
    assert principal_for(app, idp.token(scope="a litellm_proxy_admin")).role == "proxy_admin"
    assert principal_for(app, idp.token(scope=["litellm_proxy_admin"])).role == "internal_user"


def test_scope_that_only_contains_the_admin_scope_name_is_not_admin(gateway, idp):
    principal = principal_for(gateway(), idp.token(scope="litellm_proxy_admin_readonly", scp="x"))
    assert principal.role == "internal_user"


@pytest.mark.parametrize("scope", [None, "openid profile"])
def test_non_admin_jwt_is_refused_management_routes(gateway, idp, scope):
    client = gateway({"team_id_jwt_field": "team_id"}).test_client()
    make_team(client, "t1")
    for token in (idp.token(scope=scope), idp.token(scope=scope, team_id="t1")):
        headers = bearer(token)
        for path in ("/key/generate", "/key/delete", "/key/block", "/key/sk-abcdefghijklmnop/regenerate"):
            resp = client.post(path, json={}, headers=headers)
            assert resp.status_code == 403 and resp.json["error"]["type"] == "permission_denied", path
        assert client.get("/key/list", headers=headers).status_code == 403


def test_user_team_and_email_come_from_the_configured_fields(gateway, idp):
    app = gateway(
        {
            "user_id_jwt_field": "preferred_username",
            "team_id_jwt_field": "org.team",
            "user_email_jwt_field": "email",
        }
    )
    make_team(app, "research")
    token = idp.token(preferred_username="ada", org={"team": "research"}, email="ada@example.com")
    principal = principal_for(app, token)
    assert (principal.user_id, principal.team_id, principal.subject) == ("ada", "research", "ada")
    assert principal.role == "team" and principal.metadata == {"email": "ada@example.com"}
    assert token not in repr(principal)


def test_user_id_defaults_to_sub(gateway, idp):
    principal = principal_for(gateway(), idp.token(sub="u-42"))
    assert (principal.user_id, principal.subject, principal.team_id) == ("u-42", "u-42", None)


def test_team_claim_limits_routes_to_team_allowed_routes(gateway, idp):
    client = gateway({"team_id_jwt_field": "team_id", "team_allowed_routes": ["/v1/models"]}).test_client()
    make_team(client, "t1")
    token = idp.token(team_id="t1")
    assert client.get("/v1/models", headers=bearer(token)).status_code == 200
    resp = client.post("/v1/chat/completions", json={"model": "gpt-4o", **CHAT}, headers=bearer(token))
    assert resp.status_code == 403 and resp.json["error"]["type"] == "permission_denied"
    user = idp.token()  # no team claim: an internal user, not limited by team_allowed_routes
    resp = client.post("/v1/chat/completions", json={"model": "gpt-4o", **CHAT}, headers=bearer(user))
    assert resp.status_code == 200


def test_admin_allowed_routes_limit_an_admin_token_to_those_routes(gateway, idp):
    client = gateway({"admin_allowed_routes": ["management_routes", "info_routes"]}).test_client()
    admin = bearer(idp.token(scope="litellm_proxy_admin"))
    resp = client.post("/key/generate", json={"key_alias": "by-admin-jwt"}, headers=admin)
    assert resp.status_code == 200, resp.json
    assert client.get("/key/list", headers=admin).status_code == 200
    resp = client.post("/v1/chat/completions", json={"model": "gpt-4o", **CHAT}, headers=admin)
    assert resp.status_code == 403 and resp.json["error"]["type"] == "permission_denied"


def test_litellm_default_admin_allowed_routes_keep_an_admin_token_off_the_llm_routes(gateway, idp):
    # LiteLLM's own default list, written out: its spend groups are accepted, LLM calls are not in it.
    routes = ["management_routes", "spend_tracking_routes", "global_spend_tracking_routes", "info_routes"]
    client = gateway({"admin_allowed_routes": routes}).test_client()
    admin = bearer(idp.token(scope="litellm_proxy_admin"))
    assert client.get("/spend/logs", headers=admin).status_code == 200
    resp = client.post("/v1/chat/completions", json={"model": "gpt-4o", **CHAT}, headers=admin)
    assert resp.status_code == 403 and resp.json["error"]["type"] == "permission_denied"


def test_without_admin_allowed_routes_an_admin_token_keeps_the_admin_routes(gateway, idp):
    client = gateway({"team_allowed_routes": ["/v1/models"]}).test_client()  # a team setting: no effect here
    admin = bearer(idp.token(scope="litellm_proxy_admin"))
    resp = client.post("/v1/chat/completions", json={"model": "gpt-4o", **CHAT}, headers=admin)
    assert resp.status_code == 200
    assert client.get("/key/list", headers=admin).status_code == 200


def test_litellm_openai_routes_name_allows_the_llm_routes(gateway, idp):
    client = gateway({"team_id_jwt_field": "team_id", "team_allowed_routes": ["openai_routes"]}).test_client()
    make_team(client, "t1")
    token = idp.token(team_id="t1")
    resp = client.post("/chat/completions", json={"model": "gpt-4o", **CHAT}, headers=bearer(token))
    assert resp.status_code == 200


def test_team_claim_that_is_not_a_string_is_refused(gateway, idp):
    client = gateway({"team_id_jwt_field": "groups"}).test_client()
    resp = client.get("/v1/models", headers=bearer(idp.token(groups=["a", "b"])))
    assert resp.status_code == 401 and resp.json["error"]["message"] == "JWT claim groups is not a string"


def test_allowed_models_limit_non_admin_jwt_principals(gateway, idp):
    client = gateway({"allowed_models": ["gpt-4o"]}).test_client()
    make_team(client, "t1")
    user = idp.token()
    resp = client.post("/v1/chat/completions", json={"model": "gpt-4o-mini", **CHAT}, headers=bearer(user))
    assert resp.status_code == 403 and "'gpt-4o-mini'" in resp.json["error"]["message"]
    resp = client.post("/v1/chat/completions", json={"model": "gpt-4o", **CHAT}, headers=bearer(user))
    assert resp.status_code == 200
    assert model_ids(client, user) == ["gpt-4o"]
    assert model_ids(client, idp.token(team_id="t1")) == ["gpt-4o"]


def test_admin_jwt_may_use_every_model_whatever_allowed_models_says(gateway, idp):
    client = gateway({"allowed_models": ["gpt-4o"]}).test_client()
    admin = idp.token(scope="litellm_proxy_admin")
    resp = client.post("/v1/chat/completions", json={"model": "gpt-4o-mini", **CHAT}, headers=bearer(admin))
    assert resp.status_code == 200
    assert model_ids(client, admin) == ["gpt-4o", "gpt-4o-mini"]


def test_without_allowed_models_every_model_is_allowed(gateway, idp):
    assert model_ids(gateway().test_client(), idp.token()) == ["gpt-4o", "gpt-4o-mini"]


def test_master_key_still_works_before_the_jwt_link(gateway, idp):
    client = gateway().test_client()
    assert client.get("/v1/models", headers=auth(MASTER)).status_code == 200
    assert idp.certs_fetches == 0


@pytest.mark.parametrize("key", ["sk-not-a-known-key-000000", "sk-dotted.custom.key-0000"])
def test_credentials_not_shaped_like_a_jwt_go_on_down_the_chain(gateway, idp, key):
    resp = gateway().test_client().get("/v1/models", headers=auth(key))
    assert resp.status_code == 401 and "JWT" not in resp.json["error"]["message"]
    assert idp.certs_fetches == 0
