"""/organization/*: LiteLLM's shapes, members, deletion as LiteLLM does it, org admins within bounds."""

from __future__ import annotations

import pytest

from tests.conftest import auth

from .conftest import chat


def org(admin, **body) -> dict:
    return admin.post("/organization/new", {"organization_alias": "acme", **body})


def test_new_info_update_list_in_litellm_shapes(admin, dclient):
    made = org(admin, organization_id="acme", models=["gpt-4o"], max_budget=10.0, metadata={"tier": "gold"})
    assert made["organization_id"] == "acme" and made["models"] == ["gpt-4o"]
    assert made["litellm_budget_table"]["max_budget"] == 10.0 and made["metadata"] == {"tier": "gold"}
    assert made["members"] == [] and made["teams"] == []
    generated = org(admin)["organization_id"]  # LiteLLM's default: a uuid
    assert len(generated) == 36
    info = admin.get("/organization/info", organization_id="acme")
    assert info["organization_alias"] == "acme" and info["blocked"] is False
    out = dclient.patch(
        "/organization/update", json={"organization_id": "acme", "max_budget": 20.0}, headers=auth()
    )
    assert out.status_code == 200 and out.json["max_budget"] == 20.0
    assert admin.post("/organization/update", {"organization_id": "acme", "blocked": True})["blocked"] is True
    listed = admin.get("/organization/list")
    assert {o["organization_id"] for o in listed} == {"acme", generated}
    assert [o["organization_id"] for o in admin.get("/organization/list", org_alias="acme", size="1")] == [
        "acme"
    ]
    old = admin.post("/organization/info", {"organizations": ["acme"]})  # LiteLLM's deprecated form
    assert [o["organization_id"] for o in old] == ["acme"]


@pytest.mark.parametrize(
    "body, param",
    [
        ({}, "organization_alias"),
        ({"organization_alias": 5}, "organization_alias"),
        ({"organization_alias": "a", "modelz": []}, "modelz"),
        ({"organization_alias": "a", "max_budget": -1}, "max_budget"),
        ({"organization_alias": "a", "budget_duration": "1y"}, "budget_duration"),
        ({"organization_alias": "a", "budget_id": "b1"}, "budget_id"),
        ({"organization_alias": "a", "tpm_limit": "5"}, "tpm_limit"),
        ({"organization_alias": "a\x00"}, "organization_alias"),
    ],
)
def test_bad_bodies_are_400_naming_the_field(admin, body, param):
    err = admin.post("/organization/new", body, status=400)["error"]
    assert err["param"] == param and err["type"] == "invalid_request_error"


def test_unknown_organization_is_404_and_duplicate_is_400(admin):
    assert admin.get("/organization/info", status=404, organization_id="nope")["error"]["code"] == "404"
    org(admin, organization_id="o1")
    assert admin.post("/organization/new", {"organization_alias": "x", "organization_id": "o1"}, 400)
    assert admin.post("/organization/delete", {"organization_ids": ["o1", "nope"]}, 404)
    assert admin.get("/organization/info", organization_id="o1")  # nothing deleted
    assert admin.get("/organization/list", status=400, bogus="1")["error"]["param"] == "bogus"


def test_members_add_update_delete(admin, dclient):
    org(admin, organization_id="o1")
    admin.post("/user/new", {"user_id": "ann", "user_email": "ann@x.io", "auto_create_key": False})
    out = admin.post(
        "/organization/member_add",
        {"organization_id": "o1", "member": [{"role": "internal_user", "user_email": "ann@x.io"},
                                             {"role": "org_admin", "user_id": "new-boss"}]},
    )  # fmt: skip
    assert [m["user_id"] for m in out["updated_organization_memberships"]] == ["ann", "new-boss"]
    assert admin.get("/user/info", user_id="new-boss")["user_info"]["user_role"] == "org_admin"  # created
    again = {"organization_id": "o1", "member": {"role": "internal_user", "user_id": "ann"}}
    assert admin.post("/organization/member_add", again, 400)["error"]["param"] == "member"
    bad = {"organization_id": "o1", "member": {"role": "proxy_admin", "user_id": "x"}}
    assert admin.post("/organization/member_add", bad, 400)["error"]["param"] == "member"
    up = dclient.patch(
        "/organization/member_update",
        json={"organization_id": "o1", "user_id": "ann", "role": "internal_user_viewer"},
        headers=auth(),
    )
    assert up.status_code == 200 and up.json["user_role"] == "internal_user_viewer"
    gone = dclient.delete(
        "/organization/member_delete", json={"organization_id": "o1", "user_id": "ann"}, headers=auth()
    )
    assert gone.status_code == 200
    assert [m["user_id"] for m in admin.get("/organization/info", organization_id="o1")["members"]] == [
        "new-boss"
    ]
    assert admin.post("/organization/member_delete", {"organization_id": "o1", "user_id": "ann"}, 404)


def test_deleting_an_organization_deletes_its_teams_memberships_and_keys_as_litellm_does(admin, dclient):
    org(admin, organization_id="o1")
    team = admin.post("/team/new", {"team_id": "t1", "organization_id": "o1"})
    assert team["team_id"] == "t1"
    admin.post(
        "/organization/member_add",
        {"organization_id": "o1", "member": {"role": "internal_user", "user_id": "u1"}},
    )
    team_key = admin.generate(team_id="t1")["key"]
    org_key = admin.generate(organization_id="o1")["key"]
    other = admin.generate()["key"]
    assert chat(dclient, team_key).status_code == 200 and chat(dclient, org_key).status_code == 200
    deleted = admin.post("/organization/delete", {"organization_ids": ["o1"]})
    assert deleted[0]["organization_id"] == "o1" and [t["team_id"] for t in deleted[0]["teams"]] == ["t1"]
    assert chat(dclient, team_key).status_code == 401 and chat(dclient, org_key).status_code == 401
    assert chat(dclient, other).status_code == 200
    assert admin.get("/team/info", status=404, team_id="t1")
    assert admin.get("/user/info", user_id="u1")["user_id"] == "u1"  # users outlive the organization


def test_org_admin_manages_its_own_organization_only_and_cannot_mint_a_proxy_admin(admin, user_as):
    org(admin, organization_id="mine")
    org(admin, organization_id="theirs")
    boss = user_as("boss", "org_admin", auto_create_key=True)
    admin.post(
        "/organization/member_add",
        {"organization_id": "mine", "member": {"role": "org_admin", "user_id": "boss"}},
    )
    # its own organization: members and its alias
    add = {"organization_id": "mine", "member": {"role": "internal_user", "user_id": "dev"}}
    assert boss.post("/organization/member_add", add).status_code == 200
    assert (
        boss.post(
            "/organization/update", {"organization_id": "mine", "organization_alias": "Mine"}
        ).status_code
        == 200
    )
    assert boss.get("/organization/info", organization_id="mine").status_code == 200
    # not its budget, not another organization (same words whether it exists or not)
    raise_budget = boss.post("/organization/update", {"organization_id": "mine", "max_budget": 1e6})
    assert raise_budget.status_code == 403
    other = boss.post("/organization/member_add", {**add, "organization_id": "theirs"})
    ghost = boss.post("/organization/member_add", {**add, "organization_id": "ghost"})
    assert other.status_code == ghost.status_code == 403
    assert other.json["error"]["message"].replace("theirs", "X") == ghost.json["error"]["message"].replace(
        "ghost", "X"
    )
    assert boss.get("/organization/info", organization_id="theirs").status_code == 403
    assert [o["organization_id"] for o in boss.get("/organization/list").json] == ["mine"]
    # no proxy admin minted (PR #19116), none pulled into its reach, no organization made or deleted
    mint = boss.post("/user/new", {"user_id": "evil", "user_role": "proxy_admin"})
    assert mint.status_code == 403 and mint.json["error"]["param"] == "user_role"
    admin.post("/user/new", {"user_id": "root", "user_role": "proxy_admin", "auto_create_key": False})
    pull = boss.post(
        "/organization/member_add",
        {"organization_id": "mine", "member": {"role": "internal_user", "user_id": "root"}},
    )
    assert pull.status_code == 403
    assert boss.post("/organization/new", {"organization_alias": "x"}).status_code == 403
    assert boss.post("/organization/delete", {"organization_ids": ["mine"]}).status_code == 403


def test_viewers_read_and_never_write(admin, user_as):
    org(admin, organization_id="o1")
    viewer = user_as("vi", "proxy_admin_viewer")
    assert viewer.get("/organization/info", organization_id="o1").status_code == 200
    assert viewer.get("/organization/list").status_code == 200
    assert viewer.post("/organization/new", {"organization_alias": "x"}).status_code == 403
    assert (
        viewer.post("/organization/update", {"organization_id": "o1", "organization_alias": "y"}).status_code
        == 403
    )
    internal = user_as("iu", "internal_user")
    assert internal.get("/organization/info", organization_id="o1").status_code == 403
    assert internal.get("/organization/list").json == []
