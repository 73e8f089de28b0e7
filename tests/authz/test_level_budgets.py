"""Budgets at every level: spend of a request added to key, user, team, member, organization and
customer exactly once (the flush run twice adds it once); member budgets enforced; a user's budget
on team keys only with apply_user_budget_to_team_keys (explicit, unlike LiteLLM); budget_duration
reset by the reset job at every level; max_end_user_budget holding concurrent first requests of an
unknown customer across two instances."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from sqlalchemy import text

from gateway.clock import utcnow
from gateway.extensions import db
from gateway.jobs import run
from tests.authz.conftest import hierarchy
from tests.conftest import auth, model_entry
from tests.keys.conftest import Admin
from tests.support.upstream import Behaviour, FakeUpstream
from tests.usage.conftest import PRICE_IN, PRICE_OUT, priced_models, rows, ship_and_flush

BODY = {"model": "mock", "messages": []}


@pytest.fixture
def bapp(make_app, upstream, redis_url):
    return make_app(priced_models(upstream.base), env={"REDIS_URL": redis_url})


def call(client, key: str, user: str | None = None):
    return client.post(
        "/v1/chat/completions", json=BODY | ({"user": user} if user else {}), headers=auth(key)
    )


def spend_of(app, table: str, column: str, ident: str) -> float:
    return rows(app, f"SELECT spend FROM {table} WHERE {column} = :i", i=ident)[0][0]  # noqa: S608


def test_spend_reaches_every_level_exactly_once(bapp):
    client = bapp.test_client()
    admin = Admin(client)
    key = hierarchy(admin, "sp")
    for _ in range(3):
        assert call(client, key, user="cust-sp").status_code == 200
    ship_and_flush(bapp)
    ship_and_flush(bapp)  # a second flush adds nothing
    cost = rows(bapp, "SELECT sum(cost) FROM usage_logs WHERE team_id = 'team-sp'")[0][0]
    assert cost > 0
    assert rows(bapp, "SELECT count(*) FROM usage_logs WHERE end_user = 'cust-sp'")[0][0] == 3
    assert rows(bapp, "SELECT DISTINCT organization_id FROM usage_logs WHERE team_id = 'team-sp'") == [
        ("org-sp",)
    ]
    for table, column, ident in (
        ("users", "user_id", "user-sp"),
        ("teams", "team_id", "team-sp"),
        ("organizations", "organization_id", "org-sp"),
        ("customers", "user_id", "cust-sp"),  # created by its first spend, as LiteLLM does
    ):
        assert spend_of(bapp, table, column, ident) == pytest.approx(cost), table
    member = rows(
        bapp, "SELECT spend FROM team_memberships WHERE team_id = 'team-sp' AND user_id = 'user-sp'"
    )
    assert member[0][0] == pytest.approx(cost)
    # ... and every /*/info shows it (item 8, spend visibility)
    team = admin.get("/team/info", team_id="team-sp")
    assert team["team_info"]["spend"] == pytest.approx(cost)
    assert [m["spend"] for m in team["team_memberships"]] == [pytest.approx(cost)]
    assert admin.get("/user/info", user_id="user-sp")["user_info"]["spend"] == pytest.approx(cost)
    assert admin.get("/organization/info", organization_id="org-sp")["spend"] == pytest.approx(cost)
    assert admin.get("/customer/info", end_user_id="cust-sp")["spend"] == pytest.approx(cost)


def refused_after_spending(client, key: str, user: str | None = None, attempts: int = 5):
    for _ in range(attempts):
        resp = call(client, key, user)
        if resp.status_code == 429:
            return resp
        assert resp.status_code == 200
    raise AssertionError("never refused")


def test_a_member_budget_is_enforced_and_named(bapp):
    # LiteLLM #13854, #26378: team member budgets were not enforced.
    client = bapp.test_client()
    key = hierarchy(Admin(client), "mb", team={"max_budget": 100.0}, member={"max_budget_in_team": 1e-9})
    resp = refused_after_spending(client, key)
    assert resp.json["error"]["type"] == "budget_exceeded"
    assert "for this team member" in resp.json["error"]["message"]


def test_the_team_budget_refuses_at_equality(bapp):
    # LiteLLM #28020: the team budget compared with `>`; here spend >= max_budget refuses.
    client = bapp.test_client()
    admin = Admin(client)
    admin.post("/team/new", {"team_id": "t-eq", "max_budget": 0.0})
    key = admin.generate(team_id="t-eq")["key"]
    resp = call(client, key)
    assert resp.status_code == 429 and "for this team" in resp.json["error"]["message"]


def test_a_users_budget_holds_its_personal_keys_and_team_keys_only_when_configured(
    make_app, upstream, redis_url
):
    # LiteLLM #11962, #14995: a user's max_budget silently skipped for team keys. Here the rule is
    # explicit: personal keys always; team keys with general_settings.apply_user_budget_to_team_keys.
    for apply, expected in ((False, 200), (True, 429)):
        config = priced_models(upstream.base) | {
            "general_settings": {"apply_user_budget_to_team_keys": apply}
        }
        app = make_app(config, env={"REDIS_URL": redis_url})
        client = app.test_client()
        admin = Admin(client)
        tag = f"ub{int(apply)}"
        team_key = hierarchy(admin, tag, user={"max_budget": 0.0})
        personal = admin.generate(user_id=f"user-{tag}")["key"]
        assert call(client, personal).status_code == 429
        assert call(client, team_key).status_code == expected, apply


def test_the_reset_job_resets_every_levels_budget(bapp):
    client = bapp.test_client()
    key = hierarchy(Admin(client), "rs", team={"max_budget": 1e-9, "budget_duration": "1d"})
    resp = refused_after_spending(client, key)
    assert "for this team" in resp.json["error"]["message"]
    ship_and_flush(bapp)
    with bapp.app_context():
        db.session.execute(text("UPDATE teams SET budget_reset_at = :t WHERE team_id = 'team-rs'"),
                           {"t": utcnow() - timedelta(seconds=1)})  # fmt: skip
        db.session.commit()
        result = run("reset_budgets", locked=False)
    assert "1 user/team/member/organization/customer budget(s) reset" in str(result)
    assert spend_of(bapp, "teams", "team_id", "team-rs") == 0.0
    assert call(client, key).status_code == 200  # the live counter was reset too
    reset_at = rows(bapp, "SELECT budget_reset_at FROM teams WHERE team_id = 'team-rs'")[0][0]
    assert reset_at > utcnow() + timedelta(hours=23)


def test_concurrent_first_requests_of_an_unknown_customer_are_held_to_the_default_budget(
    live_gateway, pg_url, redis_url
):
    # LiteLLM #40095: concurrent first requests of an unknown end user bypassed max_end_user_budget.
    slow = FakeUpstream("slow").start()
    try:
        slow.behaviour = Behaviour(delay=1.0)  # every admitted request is still in flight
        body = {"model": "gpt-4o", "messages": [], "max_tokens": 10, "user": "never-seen-customer"}
        held = (len(json.dumps(body).encode()) // 4) * PRICE_IN + 10 * PRICE_OUT
        entry = model_entry("gpt-4o", slow.base) | {
            "model_info": {"input_cost_per_token": PRICE_IN, "output_cost_per_token": PRICE_OUT}
        }
        config = {"model_list": [entry], "litellm_settings": {"max_end_user_budget": held / 2}}
        env = {"DATABASE_URL": pg_url, "REDIS_URL": redis_url}
        a, b = live_gateway(config, env, name="a"), live_gateway(config, env, name="b")
        key = requests.post(a.url + "/key/generate", json={}, headers=auth(), timeout=10).json()["key"]

        def send(i: int) -> requests.Response:
            gw = (a, b)[i % 2]
            return requests.post(gw.url + "/v1/chat/completions", json=body, headers=auth(key), timeout=20)

        with ThreadPoolExecutor(max_workers=20) as pool:
            answers = list(pool.map(send, range(20)))
        statuses = sorted(r.status_code for r in answers)
        assert statuses == [200] + [429] * 19, statuses
        assert all(
            "for this customer" in r.json()["error"]["message"] for r in answers if r.status_code == 429
        )
    finally:
        slow.stop()


def test_crossing_a_soft_budget_is_recorded_once_as_an_event_and_a_metric(bapp):
    from tests.metrics import sample

    client = bapp.test_client()
    admin = Admin(client)
    admin.post("/team/new", {"team_id": "t-soft", "soft_budget": 1e-9, "max_budget": 100.0})
    key = admin.generate(team_id="t-soft", soft_budget=1e-9)["key"]
    before = [sample(client, "gateway_soft_budget_crossings_total", {"level": lv}) for lv in ("key", "team")]
    for _ in range(2):
        assert call(client, key).status_code == 200
        ship_and_flush(bapp)  # the second flush: already above, no new crossing
    events = rows(
        bapp, "SELECT object_type FROM audit_events WHERE action = 'soft_budget_crossed' ORDER BY 1"
    )
    assert [e[0] for e in events] == ["key", "team"]
    after = [sample(client, "gateway_soft_budget_crossings_total", {"level": lv}) for lv in ("key", "team")]
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 1]
    assert call(client, key).status_code == 200  # a soft budget refuses nothing


def test_model_max_budget_on_a_key_and_a_team_holds_that_model_only(bapp):
    client = bapp.test_client()
    admin = Admin(client)
    key = admin.generate(model_max_budget={"mock": {"budget_limit": 1e-9, "time_period": "1d"}})["key"]
    resp = refused_after_spending(client, key)
    assert resp.json["error"]["type"] == "budget_exceeded"
    assert "for this key's model 'mock'" in resp.json["error"]["message"]
    gpt = {"model": "gpt-4o", "messages": []}
    assert client.post("/v1/chat/completions", json=gpt, headers=auth(key)).status_code == 200
    admin.post("/team/new", {"team_id": "t-mmb", "model_max_budget": {"mock": {"budget_limit": 1e-9}}})
    team_key = admin.generate(team_id="t-mmb")["key"]
    resp = refused_after_spending(client, team_key)
    assert "for this team's model 'mock'" in resp.json["error"]["message"]
    assert client.post("/v1/chat/completions", json=gpt, headers=auth(team_key)).status_code == 200


def test_spend_logs_filter_by_team_and_customer(bapp):
    client = bapp.test_client()
    admin = Admin(client)
    key = hierarchy(admin, "sl")
    other = admin.generate()["key"]
    assert call(client, key, user="cust-sl").status_code == 200
    assert call(client, key).status_code == 200
    assert call(client, other, user="cust-sl").status_code == 200
    ship_and_flush(bapp)
    by_team = admin.get("/spend/logs", team_id="team-sl")
    assert len(by_team) == 2 and {r["team_id"] for r in by_team} == {"team-sl"}
    assert {r["organization_id"] for r in by_team} == {"org-sl"}
    by_customer = admin.get("/spend/logs", end_user="cust-sl")
    assert len(by_customer) == 2 and {r["end_user"] for r in by_customer} == {"cust-sl"}
    resp = client.get("/spend/logs", query_string={"team_id": "team-sl"}, headers=auth(other))
    assert resp.status_code == 403


def test_usage_daily_groups_by_team_user_organization_and_customer(bapp):
    client = bapp.test_client()
    admin = Admin(client)
    key = hierarchy(admin, "ud")
    assert call(client, key, user="cust-ud").status_code == 200
    assert call(client, key).status_code == 200
    ship_and_flush(bapp)
    for group, ident, requests_ in (("team_id", "team-ud", 2), ("user_id", "user-ud", 2),
                                    ("organization_id", "org-ud", 2), ("end_user", "cust-ud", 1)):  # fmt: skip
        data = admin.get("/usage/daily", group_by=group)["data"]
        mine = [r for r in data if r[group] == ident]
        assert [(r["model"], r["requests"]) for r in mine] == [("mock", requests_)], group
        assert mine[0]["cost"] > 0
    resp = client.get("/usage/daily", query_string={"group_by": "nope"}, headers=auth())
    assert resp.status_code == 400


def test_an_unreadable_stored_budget_duration_skips_that_budget_only(bapp, caplog):
    # A duration the parser refuses (written by hand, or by an older release) used to fail the
    # whole sweep, so no budget anywhere was reset again.
    client = bapp.test_client()
    admin = Admin(client)
    for team in ("t-bad", "t-good"):
        admin.post("/team/new", {"team_id": team, "max_budget": 10.0, "budget_duration": "1d"})
    bad_key, good_key = (admin.generate(max_budget=1.0, budget_duration="1d")["token"] for _ in range(2))
    past = utcnow() - timedelta(seconds=1)
    with bapp.app_context():
        db.session.execute(text("UPDATE teams SET spend = 5, budget_reset_at = :t"), {"t": past})
        db.session.execute(
            text("UPDATE verification_tokens SET spend = 0.5, budget_reset_at = :t"), {"t": past}
        )
        db.session.execute(text("UPDATE teams SET budget_duration = 'monthly' WHERE team_id = 't-bad'"))
        db.session.execute(text("UPDATE verification_tokens SET budget_duration = '30days' WHERE token = :k"),
                           {"k": bad_key})  # fmt: skip
        db.session.commit()
        result = run("reset_budgets", locked=False)
    assert result.startswith("1 budget(s) reset; 1 skipped (budget_duration unreadable)"), result
    assert "1 user/team/member/organization/customer budget(s) reset" in result
    assert spend_of(bapp, "teams", "team_id", "t-good") == 0.0
    assert spend_of(bapp, "teams", "team_id", "t-bad") == 5.0
    assert spend_of(bapp, "verification_tokens", "token", good_key) == 0.0
    assert spend_of(bapp, "verification_tokens", "token", bad_key) == 0.5
    assert "'monthly'" in caplog.text and "'30days'" in caplog.text
