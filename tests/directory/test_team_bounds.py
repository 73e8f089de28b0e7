"""A team's bounds (AUTHZ.md): keys, members and member defaults within the team; a team admin
changes only the team's name, metadata and member permissions (LiteLLM #40866: refused, naming both)."""

from __future__ import annotations

import pytest

TEAM = {"team_id": "t1", "models": ["gpt-mini"], "max_budget": 10.0, "rpm_limit": 100, "tpm_limit": 1000,
        "max_parallel_requests": 4}  # fmt: skip
ABOVE = [("max_budget", 10.5, 10.0), ("rpm_limit", 101, 100), ("tpm_limit", 1001, 1000),
         ("max_parallel_requests", 5, 4)]  # fmt: skip


@pytest.fixture
def team(admin):
    return admin.post("/team/new", TEAM)


def _names_both(resp, param, mine, theirs) -> None:
    assert resp["error"]["param"] == param, resp
    message = resp["error"]["message"]
    assert str(mine) in message and str(theirs) in message, message


@pytest.mark.parametrize(("name", "mine", "theirs"), ABOVE)
def test_a_team_key_above_its_team_is_refused_naming_both(admin, team, name, mine, theirs):
    _names_both(admin.post("/key/generate", {"team_id": "t1", name: mine}, status=400), name, mine, theirs)
    made = admin.generate(team_id="t1", **{name: theirs})  # equal is within
    _names_both(admin.post("/key/update", {"key": made["key"], name: mine}, status=400), name, mine, theirs)


@pytest.mark.parametrize(("name", "mine", "theirs"), ABOVE)
def test_regenerate_carrying_settings_keeps_the_team_bounds(admin, team, name, mine, theirs):
    key = admin.generate(team_id="t1")["key"]
    _names_both(admin.post("/key/regenerate", {"key": key, name: mine}, status=400), name, mine, theirs)
    _names_both(admin.post(f"/key/{key}/regenerate", {name: mine}, status=400), name, mine, theirs)
    assert admin.post("/key/regenerate", {"key": key, name: theirs})[name] == theirs


def test_regenerate_cannot_move_a_key_out_of_bounds(admin, team):
    key = admin.generate(team_id="t1", models=["gpt-mini"])["key"]
    assert admin.post("/key/regenerate", {"key": key, "models": ["gpt-4o"]}, status=400)["error"][
        "param"
    ] == ("models")
    admin.post("/team/block", {"team_id": "t1"})
    admin.post("/team/new", {"team_id": "t2"})
    admin.post("/team/block", {"team_id": "t2"})
    other = admin.generate()["key"]
    assert admin.post("/key/regenerate", {"key": other, "team_id": "t2"}, status=400)["error"]["param"] == (
        "team_id"
    )


def test_an_internal_user_regenerating_its_key_cannot_escalate(user_as, admin):
    ann = user_as("ann", models=["gpt-mini"])
    admin.post("/user/new", {"user_id": "bob", "auto_create_key": False})
    key = ann.post("/key/generate", {"models": ["gpt-mini"]}).json["key"]
    for body in ({"user_id": "bob"}, {"models": ["gpt-4o"]}):
        assert ann.post("/key/regenerate", {"key": key, **body}).status_code == 403, body
        assert ann.post(f"/key/{key}/regenerate", body).status_code == 403, body
    assert ann.post("/key/regenerate", {"key": key}).status_code == 200


@pytest.mark.parametrize(
    ("name", "mine", "theirs"),
    [("max_budget_in_team", 11.0, 10.0), ("rpm_limit", 101, 100), ("tpm_limit", 1001, 1000)],
)
def test_a_member_above_its_team_is_refused_naming_both(admin, team, name, mine, theirs):
    admin.post("/user/new", {"user_id": "ann", "auto_create_key": False})
    if name == "max_budget_in_team":
        add = {"team_id": "t1", "member": {"user_id": "ann"}, name: mine}
        _names_both(admin.post("/team/member_add", add, status=400), name, mine, theirs)
    admin.post("/team/member_add", {"team_id": "t1", "member": {"user_id": "ann"}})
    update = {"team_id": "t1", "user_id": "ann", name: mine}
    _names_both(admin.post("/team/member_update", update, status=400), name, mine, theirs)
    assert admin.post("/team/member_update", {**update, name: theirs})[name] == theirs


def test_a_members_allowed_models_are_the_teams(admin, team):
    admin.post("/team/member_add", {"team_id": "t1", "member": {"user_id": "ann"}})
    body = {"team_id": "t1", "user_id": "ann", "allowed_models": ["gpt-4o"]}
    assert admin.post("/team/member_update", body, status=400)["error"]["param"] == "allowed_models"
    assert admin.post("/team/member_update", {**body, "allowed_models": ["gpt-mini"]})["allowed_models"] == [
        "gpt-mini"
    ]


@pytest.mark.parametrize(
    ("name", "mine", "theirs"),
    [
        ("team_member_budget", 11.0, 10.0),
        ("team_member_rpm_limit", 101, 100),
        ("team_member_tpm_limit", 1001, 1000),
    ],
)
def test_team_member_defaults_are_within_the_team(admin, name, mine, theirs):
    _names_both(admin.post("/team/new", {**TEAM, name: mine}, status=400), name, mine, theirs)
    admin.post("/team/new", {**TEAM, name: theirs})
    _names_both(admin.post("/team/update", {"team_id": "t1", name: mine}, status=400), name, mine, theirs)
    limit = {"team_member_budget": "max_budget", "team_member_rpm_limit": "rpm_limit"}.get(name, "tpm_limit")
    lowered = {"team_id": "t1", limit: theirs / 2 if limit == "max_budget" else theirs // 2}
    assert admin.post("/team/update", lowered, status=400)["error"]["param"] == name


@pytest.fixture
def team_admin(user_as, admin, team):
    boss = user_as("boss")
    admin.post("/team/member_add", {"team_id": "t1", "member": {"user_id": "boss", "role": "admin"}})
    return boss


def test_a_team_admin_updates_only_name_metadata_and_member_permissions(team_admin, admin):
    for body in (
        {"team_alias": "renamed"},
        {"metadata": {"a": 1}},
        {"team_member_permissions": ["/key/list"]},
    ):
        resp = team_admin.post("/team/update", {"team_id": "t1", **body})
        assert resp.status_code == 200, (body, resp.json)
    info = admin.get("/team/info", team_id="t1")["team_info"]
    assert info["team_alias"] == "renamed" and info["metadata"] == {"a": 1}
    for body in ({"models": ["gpt-4o"]}, {"max_budget": 1.0}, {"rpm_limit": 1}, {"blocked": True},
                 {"team_member_budget": 1.0}, {"organization_id": "o1"}, {"model_aliases": {"a": "b"}}):  # fmt: skip
        resp = team_admin.post("/team/update", {"team_id": "t1", "team_alias": "x", **body})
        assert resp.status_code == 403 and resp.json["error"]["type"] == "permission_denied", body
        assert resp.json["error"]["param"] == next(iter(body))
    assert admin.get("/team/info", team_id="t1")["team_info"]["team_alias"] == "renamed"
    for path, body in (
        ("/team/block", {"team_id": "t1"}),
        ("/team/delete", {"team_ids": ["t1"]}),
        ("/team/model/add", {"team_id": "t1", "models": ["gpt-4o"]}),
    ):
        assert team_admin.post(path, body).status_code == 403, path


def test_a_team_admin_manages_no_other_team(team_admin, admin, user_as):
    admin.post("/team/new", {"team_id": "t2"})
    other = team_admin.post("/team/update", {"team_id": "t2", "team_alias": "mine now"})
    ghost = team_admin.post("/team/update", {"team_id": "ghost", "team_alias": "mine now"})
    assert other.status_code == ghost.status_code == 403
    assert other.json["error"]["message"].replace("t2", "X") == ghost.json["error"]["message"].replace(
        "ghost", "X"
    )
    member = user_as("mem")
    admin.post("/team/member_add", {"team_id": "t1", "member": {"user_id": "mem"}})
    assert member.post("/team/update", {"team_id": "t1", "team_alias": "y"}).status_code == 403


def test_a_team_admin_mints_member_keys_within_the_team(team_admin, admin):
    admin.post("/team/member_add", {"team_id": "t1", "member": {"user_id": "mem"}})
    ok = team_admin.post("/key/generate", {"team_id": "t1", "user_id": "mem", "rpm_limit": 100})
    assert ok.status_code == 200, ok.json
    above = team_admin.post("/key/generate", {"team_id": "t1", "user_id": "mem", "rpm_limit": 101})
    assert above.status_code == 400
    _names_both(above.json, "rpm_limit", 101, 100)
    too_much = team_admin.post(
        "/team/member_update", {"team_id": "t1", "user_id": "mem", "max_budget_in_team": 99.0}
    )
    assert too_much.status_code == 400
