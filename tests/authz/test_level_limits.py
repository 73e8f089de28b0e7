"""Rate limits and budgets at every level a request belongs to (key, user, team, member,
organization, customer, and per model on keys and teams), admitted in one Redis script, exact
across two instances; the 429 names the level that refused. And a blocked organization or
customer is refused on the other instance within a second."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.conftest import MASTER, REDIS_BASE, REDIS_TEST_DB
from tests.support.live import LiveGateway

LIMIT = 1.0
PRICE = {"input_cost_per_token": 0.001, "output_cost_per_token": 0.001}
CONFIG = {
    "model_list": [
        {"model_name": "gpt-4o", "litellm_params": {"model": "openai/gpt-4o", "mock_response": "four-oh"},
         "model_info": PRICE},
        {"model_name": "gpt-mini", "litellm_params": {"model": "openai/gpt-mini", "mock_response": "mini"}},
    ]
}  # fmt: skip


@pytest.fixture(scope="module")
def pair(pg_url, tmp_path_factory):
    env = {"DATABASE_URL": pg_url, "REDIS_URL": f"{REDIS_BASE}/{REDIS_TEST_DB}", "LITELLM_MASTER_KEY": MASTER}
    root = tmp_path_factory.mktemp("levels")
    a = LiveGateway(root / "a", CONFIG, env, workers=1).start()
    b = LiveGateway(root / "b", CONFIG, env, workers=2).start()
    yield a, b
    a.stop()
    b.stop()


def admin(gw, path: str, body: dict) -> dict:
    resp = requests.post(gw.url + path, json=body, headers={"Authorization": f"Bearer {MASTER}"}, timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()


def chat(gw, key: str, model: str = "gpt-mini", user: str | None = None) -> requests.Response:
    body = {"model": model, "messages": []} | ({"user": user} if user else {})
    return requests.post(
        gw.url + "/v1/chat/completions",
        json=body,
        headers={"Authorization": f"Bearer {key}", "Connection": "close"},
        timeout=10,
    )


def burst(pair, keys: list[str], n: int, **kw) -> list[requests.Response]:
    """n concurrent requests, alternating instances and keys."""
    with ThreadPoolExecutor(max_workers=12) as pool:
        return list(pool.map(lambda i: chat(pair[i % 2], keys[i % len(keys)], **kw), range(n)))


def refused_by(answers: list[requests.Response], allowed: int, words: str) -> None:
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [200] * allowed + [429] * (len(answers) - allowed), statuses
    for r in answers:
        if r.status_code == 429:
            assert r.json()["error"]["type"] == "rate_limit_error"
            assert words in r.json()["error"]["message"], r.json()["error"]["message"]


def member_key(
    a, tag: str, team: dict | None = None, member: dict | None = None, org: str | None = None
) -> str:
    team_id, user_id = f"t-{tag}", f"u-{tag}"
    admin(a, "/team/new", {"team_id": team_id, **({"organization_id": org} if org else {}), **(team or {})})
    admin(a, "/user/new", {"user_id": user_id, "auto_create_key": False})
    admin(a, "/team/member_add", {"team_id": team_id, "member": {"user_id": user_id, "role": "user"}})
    if member:
        admin(a, "/team/member_update", {"team_id": team_id, "user_id": user_id, **member})
    return admin(a, "/key/generate", {"team_id": team_id, "user_id": user_id})["key"]


def test_a_team_rpm_limit_holds_for_all_its_keys_across_instances(pair):
    a, _ = pair
    admin(a, "/team/new", {"team_id": "t-rpm", "rpm_limit": 6})
    keys = [admin(a, "/key/generate", {"team_id": "t-rpm"})["key"] for _ in range(3)]
    refused_by(burst(pair, keys, 15), 6, "this team's rpm_limit of 6")


def test_a_member_rpm_limit_is_enforced(pair):
    # LiteLLM #19105, #16867: per-member rpm/tpm were not enforced.
    a, _ = pair
    key = member_key(a, "mem", team={"rpm_limit": 100}, member={"rpm_limit": 4})
    refused_by(burst(pair, [key], 10), 4, "this team member's rpm_limit of 4")


def test_the_teams_default_member_rpm_limit_holds_each_member(pair):
    a, _ = pair
    key = member_key(a, "memdef", team={"team_member_rpm_limit": 3})
    refused_by(burst(pair, [key], 8), 3, "this team member's rpm_limit of 3")


def test_an_organization_rpm_limit_holds_across_its_teams(pair):
    a, _ = pair
    admin(a, "/organization/new", {"organization_id": "o-rpm", "organization_alias": "o-rpm", "rpm_limit": 5})
    keys = [member_key(a, f"org{i}", org="o-rpm") for i in range(2)]
    refused_by(burst(pair, keys, 12), 5, "this organization's rpm_limit of 5")


def test_a_users_rpm_limit_holds_across_its_personal_keys(pair):
    a, _ = pair
    admin(a, "/user/new", {"user_id": "u-rpm", "rpm_limit": 4, "auto_create_key": False})
    keys = [admin(a, "/key/generate", {"user_id": "u-rpm"})["key"] for _ in range(2)]
    refused_by(burst(pair, keys, 10), 4, "this user's rpm_limit of 4")


def test_a_customers_rpm_limit_holds_across_keys(pair):
    a, _ = pair
    admin(a, "/customer/new", {"user_id": "c-rpm", "rpm_limit": 3})
    keys = [admin(a, "/key/generate", {})["key"] for _ in range(2)]
    refused_by(burst(pair, keys, 9, user="c-rpm"), 3, "this customer's rpm_limit of 3")
    assert chat(pair[1], keys[0]).status_code == 200  # without the customer: only the key's limits


def test_per_model_rpm_limits_on_keys_and_teams(pair):
    a, _ = pair
    key = admin(a, "/key/generate", {"model_rpm_limit": {"gpt-4o": 3}})["key"]
    refused_by(burst(pair, [key], 7, model="gpt-4o"), 3, "this key's rpm_limit for model 'gpt-4o' of 3")
    assert chat(pair[1], key, "gpt-mini").status_code == 200
    admin(a, "/team/new", {"team_id": "t-model", "metadata": {"model_rpm_limit": {"gpt-mini": 2}}})
    team_key = admin(a, "/key/generate", {"team_id": "t-model"})["key"]
    refused_by(burst(pair, [team_key], 6), 2, "this team's rpm_limit for model 'gpt-mini' of 2")
    assert chat(pair[0], team_key, "gpt-4o").status_code == 200


def test_a_refusal_at_one_level_charges_no_other(pair):
    # The member refuses: the team's counter must not have been charged by the refused requests.
    a, _ = pair
    key = member_key(a, "nocharge", team={"rpm_limit": 5}, member={"rpm_limit": 2})
    refused_by(burst(pair, [key], 6), 2, "team member")
    admin(a, "/team/member_update", {"team_id": "t-nocharge", "user_id": "u-nocharge", "rpm_limit": None})
    time.sleep(0.3)
    refused_by(burst(pair, [key], 6), 3, "this team's rpm_limit of 5")  # 5 - the 2 admitted


def test_a_team_budget_refuses_with_the_team_named(pair):
    a, b = pair
    admin(a, "/team/new", {"team_id": "t-budget", "max_budget": 0.0000001})
    key = admin(a, "/key/generate", {"team_id": "t-budget"})["key"]
    assert chat(a, key, "gpt-4o").status_code == 200  # spends more than the budget
    deadline = time.monotonic() + 5
    while (resp := chat(b, key, "gpt-4o")).status_code == 200:
        assert time.monotonic() < deadline, "the team budget never refused"
    assert resp.status_code == 429 and resp.json()["error"]["type"] == "budget_exceeded"
    assert "for this team" in resp.json()["error"]["message"]


def refused_within(gw, key: str, status: int, user: str | None = None) -> None:
    start = time.monotonic()
    while chat(gw, key, user=user).status_code != status:
        assert time.monotonic() - start < LIMIT, f"still accepted after {LIMIT} s"
    assert all(chat(gw, key, user=user).status_code == status for _ in range(6)), "a worker still accepts"


def test_an_organization_blocked_on_a_is_refused_on_b_within_one_second(pair):
    a, b = pair
    admin(a, "/organization/new", {"organization_id": "o-block", "organization_alias": "o-block"})
    key = member_key(a, "oblock", org="o-block")
    assert all(chat(b, key).status_code == 200 for _ in range(6))
    admin(a, "/organization/update", {"organization_id": "o-block", "blocked": True})
    refused_within(b, key, 401)
    resp = chat(b, key)
    assert "organization 'o-block' is blocked" in resp.json()["error"]["message"]


def test_a_customer_blocked_on_a_is_refused_on_b_within_one_second(pair):
    a, b = pair
    admin(a, "/customer/new", {"user_id": "c-block"})
    key = admin(a, "/key/generate", {})["key"]
    assert all(chat(b, key, user="c-block").status_code == 200 for _ in range(6))
    admin(a, "/customer/block", {"user_ids": ["c-block"]})
    refused_within(b, key, 401, user="c-block")
    assert chat(b, key).status_code == 200  # the key itself is fine
    admin(a, "/customer/unblock", {"user_ids": ["c-block"]})
    start = time.monotonic()
    while chat(b, key, user="c-block").status_code != 200:
        assert time.monotonic() - start < LIMIT


def test_a_customer_never_seen_blocked_on_a_is_refused_on_b(pair):
    # B cached "unknown"; blocking upserts the customer: the unknown entry must not hide it.
    a, b = pair
    key = admin(a, "/key/generate", {})["key"]
    assert all(chat(b, key, user="c-new-block").status_code == 200 for _ in range(6))
    admin(a, "/customer/block", {"user_ids": ["c-new-block"]})
    refused_within(b, key, 401, user="c-new-block")
