"""The hierarchy a warm request needs (user, team, member, organization, customer) comes from the
key cache's layers: no database query and no Redis round trip warm; a change is felt at once; a
database outage serves warm callers as it serves warm keys."""

from __future__ import annotations

import pytest

from gateway.stages import stages
from tests.authz.conftest import hierarchy
from tests.keys.conftest import MODELS, Admin
from tests.support.bus import settle, wait_subscribed
from tests.support.redis_server import QUIET

OFF_PATH = (*QUIET, "rpush")  # the usage sink's writer, off the request path
LIMITS = {"max_budget": 100.0, "rpm_limit": 100000, "tpm_limit": 10_000_000}


def customer_chat(client, key: str, customer: str, model: str = "gpt-4o"):
    return client.post(
        "/v1/chat/completions",
        json={"model": model, "messages": [], "user": customer},
        headers={"Authorization": f"Bearer {key}"},
    )


def test_a_warm_request_with_its_whole_hierarchy_makes_no_query_and_no_redis_round_trip(
    make_app, own_redis, statements
):
    app = make_app(MODELS, env={"REDIS_URL": own_redis.url})
    client = app.test_client()
    admin = Admin(client)
    key = hierarchy(admin, "warm", org={"models": ["gpt-4o"]}, team={"models": ["gpt-4o"]},
                    member={"allowed_models": ["gpt-4o"]})  # fmt: skip
    admin.post("/customer/new", {"user_id": "cust-warm", "models": ["gpt-4o"]})
    settle(app, own_redis.url)  # an invalidation delivered late would drop a record from L1
    assert customer_chat(client, key, "cust-warm").status_code == 200  # warms L1
    record = stages(app).keycache.lookup(__import__("gateway.values", fromlist=["x"]).hash_secret(key))
    assert {s.level for s in record.scopes} == {"user", "team", "member", "organization"}
    sql = statements(app)
    redis_before = own_redis.commands(exclude=OFF_PATH)
    for _ in range(30):
        assert customer_chat(client, key, "cust-warm").status_code == 200
    assert sql.count == 0
    assert own_redis.commands(exclude=OFF_PATH) == redis_before


def test_a_change_to_the_team_org_member_or_customer_is_felt_on_the_next_request(make_app, own_redis):
    app = make_app(MODELS, env={"REDIS_URL": own_redis.url})
    client = app.test_client()
    admin = Admin(client)
    key = hierarchy(admin, "chg")
    admin.post("/customer/new", {"user_id": "cust-chg"})
    wait_subscribed(app)
    assert customer_chat(client, key, "cust-chg", "gpt-mini").status_code == 200
    admin.post("/organization/update", {"organization_id": "org-chg", "models": ["gpt-4o"]})
    assert customer_chat(client, key, "cust-chg", "gpt-mini").status_code == 403
    assert customer_chat(client, key, "cust-chg").status_code == 200
    admin.post("/team/update", {"team_id": "team-chg", "models": ["gpt-mini"]})
    assert customer_chat(client, key, "cust-chg").status_code == 403  # team ∩ org is empty
    admin.post("/team/update", {"team_id": "team-chg", "models": []})
    admin.post(
        "/team/member_update", {"team_id": "team-chg", "user_id": "user-chg", "allowed_models": ["gpt-mini"]}
    )
    assert customer_chat(client, key, "cust-chg").status_code == 403  # member ∩ org is empty
    admin.post("/team/member_update", {"team_id": "team-chg", "user_id": "user-chg", "allowed_models": []})
    assert customer_chat(client, key, "cust-chg").status_code == 200
    admin.post("/customer/update", {"user_id": "cust-chg", "models": ["gpt-mini"]})
    assert customer_chat(client, key, "cust-chg").status_code == 403


def test_database_outage_serves_warm_hierarchies_and_refuses_cold_ones(make_app, own_redis, pg_url, db_proxy):
    proxied = pg_url.replace(":5432/", f":{db_proxy.port}/")
    app = make_app(MODELS, env={"REDIS_URL": own_redis.url, "DATABASE_URL": proxied})
    client = app.test_client()
    admin = Admin(client)
    key = hierarchy(admin, "out", org={"models": ["gpt-4o"]}, team=LIMITS)
    admin.post("/customer/new", {"user_id": "cust-out"})
    wait_subscribed(app)
    assert customer_chat(client, key, "cust-out").status_code == 200
    db_proxy.cut()
    try:
        for _ in range(5):
            assert customer_chat(client, key, "cust-out").status_code == 200
        assert customer_chat(client, key, "cust-out", "gpt-mini").status_code == 403  # still the org's models
        resp = customer_chat(client, key, "cust-never-seen")
        assert resp.status_code == 503, (
            "an uncached customer must not pass unchecked while the database is down"
        )
    finally:
        db_proxy.restore()


@pytest.mark.parametrize("user", ["a\x00b", "x" * 256])
def test_a_customer_id_the_database_cannot_hold_is_a_400_not_a_503(make_app, own_redis, user):
    app = make_app(MODELS, env={"REDIS_URL": own_redis.url})
    client = app.test_client()
    key = Admin(client).generate()["key"]
    resp = customer_chat(client, key, user)
    assert resp.status_code == 400 and resp.json["error"]["param"] == "user"
