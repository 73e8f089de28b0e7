"""Which models a request may use: the intersection across key, team, member, user (personal
keys), organization and customer; access groups, `all-team-models`, aliases; and /models lists
exactly what the caller can call (each listed and unlisted name is called to compare)."""

from __future__ import annotations

import pytest

from tests.authz.conftest import hierarchy
from tests.conftest import auth
from tests.keys.conftest import Admin


def entry(name: str, *groups: str) -> dict:
    info = {"access_groups": list(groups)} if groups else {}
    return {"model_name": name, "litellm_params": {"model": f"openai/{name}", "mock_response": name},
            "model_info": info}  # fmt: skip


CONFIG = {
    "model_list": [
        entry("gpt-4o", "beta"),
        entry("gpt-mini"),
        entry("claude", "beta", "anthropic"),
        entry("llama"),
    ]
}
NAMES = ("gpt-4o", "gpt-mini", "claude", "llama")


@pytest.fixture
def mclient(make_app, own_redis):
    return make_app(CONFIG, env={"REDIS_URL": own_redis.url}).test_client()


def callable_models(client, key: str, names, customer: str | None = None) -> set[str]:
    body = {"messages": []} | ({"user": customer} if customer else {})
    ok = set()
    for name in names:
        resp = client.post("/v1/chat/completions", json={**body, "model": name}, headers=auth(key))
        assert resp.status_code in (200, 403), resp.json
        if resp.status_code == 200:
            ok.add(name)
    return ok


def listed(client, key: str, customer: str | None = None) -> set[str]:
    headers = auth(key) | ({"x-litellm-end-user-id": customer} if customer else {})
    resp = client.get("/v1/models", headers=headers)
    assert resp.status_code == 200, resp.json
    return {m["id"] for m in resp.json["data"]}


def same(client, key: str, expected: set[str], extra=(), customer: str | None = None) -> None:
    names = (*NAMES, *extra)
    assert callable_models(client, key, names, customer) == expected
    assert listed(client, key, customer) == expected


def test_team_access_group_and_member_allowed_models_intersect(mclient):
    admin = Admin(mclient)
    key = hierarchy(admin, "m1", team={"models": ["beta", "llama"]}, member={"allowed_models": ["gpt-4o", "llama"]},
                    key={"models": ["all-team-models"]})  # fmt: skip
    same(mclient, key, {"gpt-4o", "llama"})  # LiteLLM #41595: /models ignored allowed_models


def test_all_team_models_follows_the_team_and_means_nothing_without_one(mclient):
    admin = Admin(mclient)
    key = hierarchy(admin, "m6", team={"models": ["gpt-mini"]}, key={"models": ["all-team-models"]})
    same(mclient, key, {"gpt-mini"})
    admin.post("/team/update", {"team_id": "team-m6", "models": ["gpt-mini", "llama"]})
    same(mclient, key, {"gpt-mini", "llama"})  # the team's models now, not a copy made earlier
    # No team: there are no team's models to mean (LiteLLM reads it as every model).
    lone = admin.generate(models=["all-team-models"])["key"]
    same(mclient, lone, set())
    resp = mclient.post("/v1/chat/completions", json={"model": "gpt-4o", "messages": []}, headers=auth(lone))
    assert resp.status_code == 403 and "has no team" in resp.json["error"]["message"]
    same(mclient, admin.generate(models=["all-team-models", "llama"])["key"], {"llama"})


def test_organization_and_key_narrow_further(mclient):
    admin = Admin(mclient)
    key = hierarchy(admin, "m2", org={"models": ["claude", "gpt-mini"]}, team={"models": ["beta", "gpt-mini"]},
                    key={"models": ["beta"]})  # fmt: skip
    same(mclient, key, {"claude"})


def test_an_access_group_no_deployment_has_grants_nothing(mclient):
    # LiteLLM #26656: an access group with no models granted every model.
    admin = Admin(mclient)
    key = hierarchy(admin, "m3", team={"models": ["no-such-group"]})
    same(mclient, key, set())
    resp = mclient.post("/v1/chat/completions", json={"model": "gpt-4o", "messages": []}, headers=auth(key))
    assert resp.status_code == 403 and "team" in resp.json["error"]["message"]


def test_all_proxy_models_and_empty_lists_allow_everything(mclient):
    admin = Admin(mclient)
    key = hierarchy(admin, "m4", team={"models": ["all-proxy-models"]}, key={"models": []})
    same(mclient, key, set(NAMES))


def test_a_personal_key_is_held_to_its_users_models_a_team_key_is_not(mclient):
    admin = Admin(mclient)
    admin.post("/user/new", {"user_id": "u-m5", "models": ["gpt-mini"], "auto_create_key": False})
    personal = admin.generate(user_id="u-m5")["key"]
    same(mclient, personal, {"gpt-mini"})
    team_key = hierarchy(admin, "m5", team={"models": ["llama"]}, user={"models": ["gpt-mini"]})
    same(mclient, team_key, {"llama"})


def test_a_customers_models_narrow_its_requests(mclient):
    admin = Admin(mclient)
    key = admin.generate(models=["gpt-4o", "claude"])["key"]
    admin.post("/customer/new", {"user_id": "c-m6", "models": ["claude", "llama"]})
    same(mclient, key, {"claude"}, customer="c-m6")
    same(mclient, key, {"gpt-4o", "claude"})


def test_key_aliases_then_team_model_aliases_resolve_and_are_listed(mclient):
    admin = Admin(mclient)
    key = hierarchy(admin, "m7", team={"models": ["gpt-4o", "gpt-mini", "smart"], "model_aliases": {"smart": "gpt-4o", "fast": "llama"}},
                    key={"aliases": {"fast": "gpt-mini"}})  # fmt: skip
    expected = {"gpt-4o", "gpt-mini", "smart", "fast"}  # fast: the key's alias wins (gpt-mini)
    same(mclient, key, expected, extra=("smart", "fast"))
    resp = mclient.post("/v1/chat/completions", json={"model": "fast", "messages": []}, headers=auth(key))
    assert resp.json["choices"][0]["message"]["content"] == "gpt-mini"
    resp = mclient.post("/v1/chat/completions", json={"model": "smart", "messages": []}, headers=auth(key))
    assert resp.json["choices"][0]["message"]["content"] == "gpt-4o"
