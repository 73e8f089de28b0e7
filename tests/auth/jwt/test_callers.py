"""JWT callers mapped into the directory (AUTHZ.md "JWT callers", issue 16 item 6), against the
loopback OIDC IdP with real RS256 keys: teams from claims and IdP groups, the team header, the
choice by model, upserts from a template only, role mappings, RBAC, email and role checks, and
the same models, blocks and limits as a key's; warm callers cost no query."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from gateway.extensions import db
from gateway.models import AuditEvent, Team, User
from tests.auth.jwt.conftest import CHAT, MODELS, bearer
from tests.auth.jwt.test_claims import make_team, model_ids, principal_for
from tests.conftest import MASTER, auth
from tests.keycache.conftest import Statements
from tests.support.bus import settle, wait_subscribed
from tests.support.idp import AUDIENCE
from tests.support.redis_server import QUIET, RedisServer
from tests.support.tcpproxy import TcpProxy
from tests.usage.conftest import priced_models


@pytest.fixture
def jwt_app(make_app, idp):
    """An app trusting `idp`, with any litellm_jwtauth, general and litellm settings."""

    def build(
        jwt_auth: dict[str, Any],
        general: dict | None = None,
        litellm: dict | None = None,
        env=None,
        models: list | None = None,
    ):
        config: dict[str, Any] = {
            "model_list": models or MODELS,
            "general_settings": {"enable_jwt_auth": True, "litellm_jwtauth": jwt_auth, **(general or {})},
        }
        if litellm:
            config["litellm_settings"] = litellm
        environ = {
            "JWT_PUBLIC_KEY_URL": idp.discovery_url,
            "JWT_ISSUER": idp.issuer,
            "JWT_AUDIENCE": AUDIENCE,
        }
        return make_app(config, {**environ, **(env or {})})

    return build


def chat(client, token: str, model: str = "gpt-4o", **headers: str):
    return client.post(
        "/v1/chat/completions", json={"model": model, **CHAT}, headers={**bearer(token), **headers}
    )


def admin_post(client, path: str, body: dict) -> dict:
    resp = client.post(path, json=body, headers=auth(MASTER))
    assert resp.status_code == 200, resp.json
    return resp.json


TEAMS = {"team_id_jwt_field": "team_id", "team_ids_jwt_field": "groups"}


def test_a_jwt_caller_is_held_to_its_teams_models_like_a_key(jwt_app, idp):
    client = jwt_app({"team_id_jwt_field": "team_id"}).test_client()
    make_team(client, "research", models=["gpt-4o"])
    token = idp.token(team_id="research")
    assert chat(client, token).status_code == 200
    resp = chat(client, token, "gpt-4o-mini")
    assert resp.status_code == 403
    assert resp.json["error"]["message"] == "The team's models do not include 'gpt-4o-mini'."
    assert model_ids(client, token) == ["gpt-4o"]
    principal = principal_for(client.application, token)
    assert (principal.role, principal.team_id) == ("team", "research")
    assert [s.level for s in principal.scopes] == ["team"]


def test_an_unknown_team_is_refused_without_upsert(jwt_app, idp):
    client = jwt_app({"team_id_jwt_field": "team_id"}).test_client()
    resp = chat(client, idp.token(team_id="nobody-made-me"))
    assert resp.status_code == 403 and "team_id_upsert" in resp.json["error"]["message"]


def test_the_team_header_picks_among_the_tokens_teams(jwt_app, idp):
    client = jwt_app(TEAMS).test_client()
    make_team(client, "eng", models=["gpt-4o-mini"])
    make_team(client, "ml", models=["gpt-4o"])
    token = idp.token(groups=["eng", "ml", "not-a-team"])
    assert chat(client, token, "gpt-4o", **{"x-litellm-team-id": "ml"}).status_code == 200
    resp = chat(client, token, "gpt-4o", **{"x-litellm-team-id": "eng"})
    assert resp.status_code == 403 and "team's models" in resp.json["error"]["message"]
    # A team the token does not grant, even one that exists: refused, not silently ignored.
    make_team(client, "finance")
    resp = chat(client, token, "gpt-4o", **{"x-litellm-team-id": "finance"})
    assert resp.status_code == 403 and "does not belong" in resp.json["error"]["message"]


def test_without_the_header_the_first_team_allowed_the_model_is_used(jwt_app, idp):
    client = jwt_app(TEAMS).test_client()
    make_team(client, "eng", models=["gpt-4o-mini"], rpm_limit=1)
    make_team(client, "ml", models=["gpt-4o"])
    token = idp.token(groups=["eng", "ml"])
    assert chat(client, token, "gpt-4o").status_code == 200  # through ml
    assert chat(client, token, "gpt-4o").status_code == 200  # ml has no rpm limit
    assert chat(client, token, "gpt-4o-mini").status_code == 200  # through eng: its 1 rpm
    resp = chat(client, token, "gpt-4o-mini")
    assert resp.status_code == 429 and "team" in resp.json["error"]["message"]
    assert sorted(model_ids(client, token)) == ["gpt-4o", "gpt-4o-mini"]  # either team's
    # A blocked team is no choice; a model only it allows then refuses by its block.
    admin_post(client, "/team/block", {"team_id": "eng"})
    assert chat(client, token, "gpt-4o").status_code == 200
    resp = chat(client, token, "gpt-4o-mini")
    assert resp.status_code == 401 and "blocked" in resp.json["error"]["message"]
    assert model_ids(client, token) == ["gpt-4o"]


def test_team_upsert_creates_a_team_from_the_template_only(jwt_app, idp):
    litellm = {"default_team_params": {"max_budget": 5.0, "rpm_limit": 10}}
    app = jwt_app({"team_id_jwt_field": "team_id", "team_id_upsert": True}, litellm=litellm)
    client = app.test_client()
    token = idp.token(team_id="made-by-idp", scope="openid")
    resp = chat(client, token)
    # LiteLLM #35532: its upserted team could call every model. Here: none until an admin grants.
    assert resp.status_code == 403 and "team's models" in resp.json["error"]["message"]
    with app.app_context():
        row = db.session.get(Team, "made-by-idp")
        assert row.models == ["no-default-models"]
        assert (row.max_budget, row.rpm_limit, row.blocked) == (5.0, 10, False)
        event = db.session.query(AuditEvent).filter_by(object_type="team", object_id="made-by-idp").one()
        assert event.action == "jwt_upsert" and event.actor == "jwt:user-1"
    admin_post(client, "/team/update", {"team_id": "made-by-idp", "models": ["gpt-4o"]})
    assert chat(client, token).status_code == 200  # the grant is felt at once


def test_user_upsert_creates_an_internal_user_from_the_template(jwt_app, idp):
    litellm = {"default_internal_user_params": {"models": ["gpt-4o"], "max_budget": 2.0}}
    app = jwt_app({"user_id_upsert": True, "user_email_jwt_field": "email"}, litellm=litellm)
    client = app.test_client()
    token = idp.token(sub="newcomer", email="n@example.com")
    assert chat(client, token).status_code == 200
    resp = chat(client, token, "gpt-4o-mini")
    assert resp.status_code == 403 and "user's models" in resp.json["error"]["message"]
    with app.app_context():
        user = db.session.get(User, "newcomer")
        assert (user.user_role, user.models, user.max_budget, user.user_email) == (
            "internal_user",
            ["gpt-4o"],
            2.0,
            "n@example.com",
        )


def test_an_upserted_user_without_a_template_gets_no_model(jwt_app, idp):
    client = jwt_app({"user_id_upsert": True}).test_client()
    assert chat(client, idp.token(sub="bare")).status_code == 403


def test_role_mappings_from_idp_groups(jwt_app, idp):
    mappings = [
        {"role": "gw-admins", "internal_role": "proxy_admin"},
        {"role": "gw-users", "internal_role": "internal_user"},
    ]
    app = jwt_app({"roles_jwt_field": "realm_access.roles", "role_mappings": mappings})
    admin = idp.token(realm_access={"roles": ["offline_access", "gw-admins"]})
    user = idp.token(realm_access={"roles": ["gw-users"]})
    assert principal_for(app, admin).role == "proxy_admin"
    assert principal_for(app, user).role == "internal_user"
    client = app.test_client()
    assert client.post("/key/generate", json={}, headers=bearer(admin)).status_code == 200
    assert client.post("/key/generate", json={}, headers=bearer(user)).status_code == 403


def test_enforce_rbac_holds_each_role_to_its_role_permissions(jwt_app, idp):
    general = {"role_permissions": [{"role": "internal_user", "models": ["gpt-4o"]}]}
    client = jwt_app({"team_id_jwt_field": "team_id", "enforce_rbac": True}, general=general).test_client()
    user = idp.token()
    assert chat(client, user).status_code == 200
    assert chat(client, user, "gpt-4o-mini").status_code == 403
    make_team(client, "t1")
    resp = chat(client, idp.token(team_id="t1"))  # the team role has no entry: refused
    assert resp.status_code == 403 and "role_permissions" in resp.json["error"]["message"]


def test_email_domain_and_allowed_roles(jwt_app, idp):
    settings = {
        "user_email_jwt_field": "email",
        "user_allowed_email_domain": "example.com",
        "user_roles_jwt_field": "roles",
        "user_allowed_roles": ["llm-user"],
    }
    client = jwt_app(settings).test_client()
    good = {"email": "ada@Example.com", "roles": ["llm-user"]}
    assert chat(client, idp.token(**good)).status_code == 200
    for claims in (
        {**good, "email": "ada@example.com.evil.io"},
        {**good, "email": "ada@sub.example.com"},
        {"roles": ["llm-user"]},
        {**good, "roles": ["other"]},
        {"email": "ada@example.com"},
    ):
        assert chat(client, idp.token(**claims)).status_code == 403, claims


def test_the_tokens_organization_and_end_user_hold(jwt_app, idp):
    client = jwt_app(
        {"team_id_jwt_field": "team_id", "org_id_jwt_field": "org", "end_user_id_jwt_field": "customer"}
    ).test_client()
    admin_post(
        client,
        "/organization/new",
        {"organization_id": "acme", "organization_alias": "acme", "models": ["gpt-4o"]},
    )
    make_team(client, "t1")
    token = idp.token(team_id="t1", org="acme", customer="cust-9")
    assert chat(client, token).status_code == 200
    resp = chat(client, token, "gpt-4o-mini")
    assert resp.status_code == 403 and "organization" in resp.json["error"]["message"]
    admin_post(client, "/customer/new", {"user_id": "cust-9", "blocked": True})
    resp = chat(client, token)
    assert resp.status_code == 401 and "cust-9" in resp.json["error"]["message"]


@pytest.fixture
def own_redis():
    server = RedisServer().start()
    yield server
    server.stop()


def test_a_known_jwt_caller_costs_no_query_warm_and_feels_a_change_at_once(jwt_app, idp, own_redis):
    app = jwt_app({"team_id_jwt_field": "team_id"}, env={"REDIS_URL": own_redis.url})
    client = app.test_client()
    make_team(client, "warm", models=["gpt-4o"])
    settle(app, own_redis.url)  # the team's invalidation, delivered late, would drop it from L1
    token = idp.token(team_id="warm")
    assert chat(client, token).status_code == 200
    sql = Statements(app)
    redis_before = own_redis.commands(exclude=(*QUIET, "rpush"))  # rpush: the usage sink, off the path
    try:
        for _ in range(20):
            assert chat(client, token).status_code == 200
        assert sql.count == 0
        assert own_redis.commands(exclude=(*QUIET, "rpush")) == redis_before
    finally:
        sql.close()
    admin_post(client, "/team/update", {"team_id": "warm", "models": ["gpt-4o-mini"]})  # a team without keys
    assert chat(client, token).status_code == 403
    admin_post(client, "/team/block", {"team_id": "warm"})
    assert chat(client, token, "gpt-4o-mini").status_code == 401


def test_a_team_by_alias_and_the_default_team(jwt_app, idp):
    client = jwt_app({"team_alias_jwt_field": "team_name", "team_id_default": "fallback"}).test_client()
    make_team(client, "t-123", team_alias="Research", models=["gpt-4o"])
    make_team(client, "fallback", models=["gpt-4o-mini"])
    by_alias = idp.token(team_name="Research")
    assert principal_for(client.application, by_alias).team_id == "t-123"
    assert model_ids(client, by_alias) == ["gpt-4o"]
    plain = idp.token()  # names no team: the default one
    assert principal_for(client.application, plain).team_id == "fallback"
    assert model_ids(client, plain) == ["gpt-4o-mini"]
    assert chat(client, plain, "gpt-4o").status_code == 403


def test_upsert_creates_only_the_team_id_claims_team_not_every_idp_group(jwt_app, idp):
    app = jwt_app({**TEAMS, "team_id_upsert": True})
    client = app.test_client()
    assert (
        chat(client, idp.token(team_id="own", groups=["offline_access", "uma_authorization"])).status_code
        == 403
    )
    with app.app_context():
        assert db.session.get(Team, "own") is not None
        assert (
            db.session.get(Team, "offline_access") is None
            and db.session.get(Team, "uma_authorization") is None
        )


def test_a_jwt_callers_spend_counts_against_its_teams_budget(jwt_app, idp, redis_url):
    models = priced_models("http://127.0.0.1:9")["model_list"][:1]  # the mock model: no upstream
    app = jwt_app({"team_id_jwt_field": "team_id"}, env={"REDIS_URL": redis_url}, models=models)
    client = app.test_client()
    make_team(client, "spender", max_budget=0.00005)
    token = idp.token(team_id="spender")
    assert chat(client, token, "mock").status_code == 200  # each costs 3.2e-05
    assert chat(client, token, "mock").status_code == 200
    refused = chat(client, token, "mock")
    assert refused.status_code == 429 and refused.json["error"]["type"] == "budget_exceeded"
    assert "team" in refused.json["error"]["message"]


@pytest.fixture
def db_proxy(pg_url):
    proxy = TcpProxy(urlsplit(pg_url).port or 5432).start()
    yield proxy
    proxy.stop()


def test_a_database_outage_serves_warm_jwt_callers_and_refuses_cold_ones(
    jwt_app, idp, pg_url, redis_url, db_proxy
):
    proxied = pg_url.replace(":5432/", f":{db_proxy.port}/")
    app = jwt_app({"team_id_jwt_field": "team_id"}, env={"REDIS_URL": redis_url, "DATABASE_URL": proxied})
    client = app.test_client()
    make_team(client, "steady", models=["gpt-4o"])
    make_team(client, "cold")
    wait_subscribed(app)
    warm = idp.token(team_id="steady")
    assert chat(client, warm).status_code == 200
    db_proxy.cut()
    try:
        for _ in range(5):
            assert chat(client, warm).status_code == 200
        assert chat(client, warm, "gpt-4o-mini").status_code == 403  # still its team's models
        resp = chat(client, idp.token(team_id="cold"))
        assert resp.status_code == 503, (
            "an uncached JWT caller must not pass unchecked while the database is down"
        )
    finally:
        db_proxy.restore()


def test_model_info_lists_what_any_of_the_callers_teams_allows(jwt_app, idp):
    client = jwt_app(TEAMS).test_client()
    make_team(client, "eng", models=["gpt-4o-mini"])
    make_team(client, "ml", models=["gpt-4o-mini"])
    both = idp.token(groups=["eng", "ml"])
    for path in ("/model/info", "/v1/models"):
        resp = client.get(path, headers=bearer(both))
        assert resp.status_code == 200, resp.json
        names = [m.get("model_name") or m.get("id") for m in resp.json["data"]]
        assert names == ["gpt-4o-mini"], path  # neither team has gpt-4o: not listed
