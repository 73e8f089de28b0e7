"""Roles on the object: the escalations AUTHZ.md lists (LiteLLM #7336, #8031, #8029, PR #19116)."""

from __future__ import annotations

import pytest

from .conftest import chat


def test_internal_user_mints_its_own_keys_only(user_as, admin):
    ann = user_as("ann")
    admin.post("/user/new", {"user_id": "bob", "auto_create_key": False})
    own = ann.post("/key/generate", {})
    assert own.status_code == 200 and own.json["user_id"] == "ann"
    for other in ("bob", "ghost"):  # existing or not: the same 403
        resp = ann.post("/key/generate", {"user_id": other})
        assert resp.status_code == 403 and resp.json["error"]["type"] == "permission_denied"
    assert ann.post("/key/generate", {"user_id": "bob"}).json["error"]["message"].replace(
        "bob", "X"
    ) == ann.post("/key/generate", {"user_id": "ghost"}).json["error"]["message"].replace("ghost", "X")


def test_internal_user_cannot_mint_a_key_with_models_it_lacks(user_as, dclient):
    ann = user_as("ann", models=["gpt-mini"])
    assert ann.post("/key/generate", {"models": ["gpt-4o"]}).status_code == 403
    assert ann.post("/key/generate", {}).status_code == 403  # "all models" is more than it has
    made = ann.post("/key/generate", {"models": ["gpt-mini"]})
    assert made.status_code == 200
    assert chat(dclient, made.json["key"], model="gpt-mini").status_code == 200


def test_internal_user_acts_on_its_own_keys_not_others(user_as, admin):
    ann = user_as("ann")
    bob_key = admin.generate(user_id="bob")["key"]
    for path in ("/key/block", "/key/update", "/key/regenerate"):
        resp = ann.post(path, {"key": bob_key})
        assert resp.status_code == 403, (path, resp.json)
        assert resp.json == ann.post(path, {"key": "sk-no-such-key-0000000000"}).json
    assert ann.post("/key/delete", {"keys": [bob_key]}).status_code == 403
    assert ann.get("/key/info", key=bob_key).status_code == 403
    assert ann.get("/key/list", user_id="bob").status_code == 403
    assert ann.get("/key/list").json["total_count"] == 1  # its own, from /user/new
    assert ann.post("/key/block", {"key": ann.key}).status_code == 200


def test_internal_user_reads_its_own_user_only(user_as, admin):
    ann = user_as("ann")
    admin.post("/user/new", {"user_id": "bob", "auto_create_key": False})
    assert ann.get("/user/info").json["user_id"] == "ann"
    a, b = ann.get("/user/info", user_id="bob"), ann.get("/user/info", user_id="ghost")
    assert a.status_code == b.status_code == 403
    assert ann.get("/user/list").status_code == 403
    assert ann.post("/user/new", {"user_id": "x"}).status_code == 403


@pytest.mark.parametrize("role", ["proxy_admin_viewer", "internal_user_viewer"])
def test_viewers_never_write(user_as, admin, role):
    viewer = user_as("vee", role)
    admin.post("/team/new", {"team_id": "t1"})
    for path, body in [
        ("/key/generate", {}),
        ("/user/new", {"user_id": "x"}),
        ("/user/update", {"user_id": "vee", "max_budget": 1.0}),
        ("/team/new", {"team_id": "t2"}),
        ("/team/block", {"team_id": "t1"}),
        ("/team/member_add", {"team_id": "t1", "member": {"user_id": "vee"}}),
        ("/key/block", {"key": viewer.key}),
    ]:
        assert viewer.post(path, body).status_code == 403, (role, path)


def test_proxy_admin_viewer_reads_everything_but_makes_no_llm_calls(user_as, admin, dclient):
    viewer = user_as("vee", "proxy_admin_viewer")
    admin.post("/team/new", {"team_id": "t1"})
    assert viewer.get("/user/list").status_code == 200
    assert viewer.get("/team/info", team_id="t1").status_code == 200
    assert chat(dclient, viewer.key).status_code == 403


def test_org_admin_cannot_create_a_proxy_admin(user_as, admin, dapp):
    from gateway.extensions import db
    from gateway.models import Organization, OrganizationMembership

    boss = user_as("boss", "org_admin")
    with dapp.app_context():
        db.session.add(
            Organization(organization_id="o1", models=[], meta={}, spend=0.0, blocked=False, version=1)
        )
        db.session.add(OrganizationMembership(organization_id="o1", user_id="boss", user_role="org_admin"))
        db.session.commit()
    for role in ("proxy_admin", "proxy_admin_viewer", "org_admin"):
        assert boss.post("/user/new", {"user_id": "evil", "user_role": role}).status_code == 403, role
    assert boss.post("/user/new", {"user_id": "ok", "user_role": "internal_user"}).status_code == 200
    assert boss.post("/team/new", {"team_id": "ot", "organization_id": "o1"}).status_code == 200
    assert boss.post("/team/new", {"team_id": "loose"}).status_code == 400
    admin.post("/team/new", {"team_id": "other"})
    assert boss.post("/team/block", {"team_id": "other"}).status_code == 403


def test_team_admin_manages_its_team_members_and_keys_only(user_as, admin, dclient):
    lead = user_as("lead")
    admin.post(
        "/team/new",
        {"team_id": "t1", "models": ["gpt-4o"], "members_with_roles": [{"role": "admin", "user_id": "lead"}]},
    )
    admin.post("/team/new", {"team_id": "t2"})
    added = lead.post("/team/member_add", {"team_id": "t1", "member": {"user_id": "mem"}})
    assert added.status_code == 200
    assert lead.post("/team/member_add", {"team_id": "t2", "member": {"user_id": "mem"}}).status_code == 403
    made = lead.post("/key/generate", {"team_id": "t1", "user_id": "mem", "models": ["gpt-4o"]})
    assert made.status_code == 200
    assert (
        lead.post("/key/generate", {"team_id": "t1", "models": ["gpt-mini"]}).status_code == 400
    )  # team bounds
    assert lead.post("/key/block", {"key": made.json["key"]}).status_code == 200
    assert lead.post("/team/block", {"team_id": "t1"}).status_code == 403  # org/proxy admins only


def test_team_user_may_only_what_team_member_permissions_allow(user_as, admin):
    mem = user_as("mem")
    admin.post("/team/new", {"team_id": "t1", "members_with_roles": [{"role": "user", "user_id": "mem"}]})
    assert mem.post("/key/generate", {"team_id": "t1"}).status_code == 403
    admin.post("/team/permissions_update", {"team_id": "t1", "team_member_permissions": ["/key/generate"]})
    assert mem.post("/key/generate", {"team_id": "t1"}).status_code == 200
    assert mem.post("/team/member_add", {"team_id": "t1", "member": {"user_id": "x"}}).status_code == 403


def test_a_key_with_no_user_is_llm_only(admin, dclient):
    from tests.conftest import auth

    key = admin.generate()["key"]
    assert chat(dclient, key).status_code == 200
    assert dclient.post("/key/generate", json={}, headers=auth(key)).status_code == 403
    assert dclient.get("/team/list", headers=auth(key)).status_code == 403
