"""The escalation and cascade gaps (AUTHZ.md, issue 15): no proxy admin made by an org admin on
any route, a user's deletion reaching every row it owns, and a blocked team's keys refused by
every instance within 1 s."""

from __future__ import annotations

import time

import psycopg
import pytest
import requests

from tests.conftest import auth, model_entry

ADMIN_ROLES = ("proxy_admin", "proxy_admin_viewer")


def _sql(db_url: str, query: str, *args: object) -> list[tuple]:
    with psycopg.connect(db_url.replace("+psycopg", "")) as conn:
        return conn.execute(query, args).fetchall()


@pytest.fixture
def boss(user_as, admin):
    """An org admin of organization o1, which has one internal user, `dev`."""
    admin.post("/organization/new", {"organization_id": "o1", "organization_alias": "o1"})
    made = user_as("boss", "org_admin")
    member = [{"role": "org_admin", "user_id": "boss"}, {"role": "internal_user", "user_id": "dev"}]
    admin.post("/organization/member_add", {"organization_id": "o1", "member": member})
    return made


def _refused(resp) -> bool:
    return resp.status_code == 403 and resp.json["error"]["type"] == "permission_denied"


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_an_org_admin_makes_no_proxy_admin_through_user_new(boss, db_url, role):
    assert _refused(boss.post("/user/new", {"user_id": "evil", "user_role": role}))
    assert _sql(db_url, "SELECT user_id FROM users WHERE user_id = 'evil'") == []


@pytest.mark.parametrize("role", ADMIN_ROLES)
@pytest.mark.parametrize("target", ["dev", "boss"])  # one of its organization's users, or itself
def test_an_org_admin_makes_no_proxy_admin_through_user_update(boss, db_url, role, target):
    assert (
        boss.post("/user/update", {"user_id": "dev", "user_alias": "Dev"}).status_code == 200
    )  # it manages dev
    assert _refused(boss.post("/user/update", {"user_id": target, "user_role": role}))
    assert _sql(db_url, "SELECT user_role FROM users WHERE user_id = %s", target) != [(role,)]


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_an_org_admin_makes_no_proxy_admin_through_organization_member_add(boss, admin, db_url, role):
    new = {"organization_id": "o1", "member": [{"role": role, "user_id": "evil"}]}
    resp = boss.post("/organization/member_add", new)
    assert resp.status_code in (400, 403), resp.json  # not a role an organization grants
    assert _sql(db_url, "SELECT user_role FROM users WHERE user_id = 'evil'") == []
    admin.post("/user/new", {"user_id": "root", "user_role": role, "auto_create_key": False})
    for org_role in ("org_admin", "internal_user"):  # an existing admin is not pulled into its reach
        pull = {"organization_id": "o1", "member": [{"role": org_role, "user_id": "root"}]}
        assert _refused(boss.post("/organization/member_add", pull)), org_role
    assert _sql(db_url, "SELECT count(*) FROM organization_memberships WHERE user_id = 'root'") == [(0,)]
    # an org_admin member it adds is an org admin, never more
    made = {"organization_id": "o1", "member": [{"role": "org_admin", "user_id": "deputy"}]}
    assert boss.post("/organization/member_add", made).status_code == 200
    assert _sql(db_url, "SELECT user_role FROM users WHERE user_id = 'deputy'") == [("org_admin",)]


def test_deleting_a_user_deletes_its_keys_and_memberships_in_the_database(admin, dclient, db_url):
    admin.post("/organization/new", {"organization_id": "o1", "organization_alias": "o1"})
    admin.post("/team/new", {"team_id": "t1", "members_with_roles": [{"role": "admin", "user_id": "dee"}]})
    admin.post("/organization/member_add", {"organization_id": "o1", "member": [{"role": "internal_user", "user_id": "dee"}]})  # fmt: skip
    personal = admin.generate(user_id="dee")["key"]
    team_key = admin.generate(user_id="dee", team_id="t1")["key"]
    kept = admin.generate(team_id="t1")["key"]  # the team's key of nobody: the team is not the user's
    for key in (personal, team_key):
        assert dclient.post("/v1/chat/completions", json={"model": "gpt-4o", "messages": []}, headers=auth(key)).status_code == 200  # fmt: skip
    counts = """SELECT (SELECT count(*) FROM verification_tokens WHERE user_id = 'dee'),
                       (SELECT count(*) FROM team_memberships WHERE user_id = 'dee'),
                       (SELECT count(*) FROM organization_memberships WHERE user_id = 'dee'),
                       (SELECT count(*) FROM users WHERE user_id = 'dee')"""
    assert _sql(db_url, counts) == [(2, 1, 1, 1)]
    admin.post("/user/delete", {"user_ids": ["dee"]})
    assert _sql(db_url, counts) == [(0, 0, 0, 0)]
    assert _sql(db_url, "SELECT count(*) FROM teams WHERE team_id = 't1'") == [(1,)]
    for key in (personal, team_key):  # cached a moment ago: the cache follows the database
        assert dclient.post("/v1/chat/completions", json={"model": "gpt-4o", "messages": []}, headers=auth(key)).status_code == 401  # fmt: skip
    assert dclient.post("/v1/chat/completions", json={"model": "gpt-4o", "messages": []}, headers=auth(kept)).status_code == 200  # fmt: skip


def test_a_blocked_teams_keys_are_refused_by_every_instance_within_one_second(
    live_gateway, db_url, redis_url, upstream
):
    """Two instances share PostgreSQL and Redis; both have the team's key warm. Blocking the team
    on one must reach the other within 1 s (a deadline, polled: not a measure of speed)."""
    config = {"model_list": [model_entry("gpt-4o", upstream.base)]}
    env = {"DATABASE_URL": db_url, "REDIS_URL": redis_url}
    a, b = live_gateway(config, env, name="a"), live_gateway(config, env, name="b")
    http = requests.Session()
    made = http.post(a.url + "/team/new", json={"team_id": "t1"}, headers=auth(), timeout=10)
    assert made.status_code == 200, made.text
    key = http.post(a.url + "/key/generate", json={"team_id": "t1"}, headers=auth(), timeout=10).json()["key"]

    def chat(gw) -> int:
        body = {"model": "gpt-4o", "messages": []}
        return http.post(
            gw.url + "/v1/chat/completions", json=body, headers=auth(key), timeout=10
        ).status_code

    for gw in (a, b):  # warm: each instance has the key's record in its own memory
        assert [chat(gw) for _ in range(3)] == [200, 200, 200]
    blocked = http.post(a.url + "/team/block", json={"team_id": "t1"}, headers=auth(), timeout=10)
    assert blocked.status_code == 200, blocked.text
    deadline = time.monotonic() + 1.0
    statuses = []
    while time.monotonic() < deadline:
        statuses.append(chat(b))
        if statuses[-1] == 401:
            break
        time.sleep(0.02)
    assert statuses[-1] == 401, f"instance b still answered {statuses[-1]} 1 s after the block: {statuses}"
    assert chat(a) == 401
    refused = http.post(b.url + "/v1/chat/completions", json={"model": "gpt-4o", "messages": []},
                        headers=auth(key), timeout=10).json()["error"]  # fmt: skip
    assert "blocked" in refused["message"]
