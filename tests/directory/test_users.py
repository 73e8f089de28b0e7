"""/user/*: LiteLLM's shapes, a key from /user/new, deletion cascading to keys, bad input as 400."""

from __future__ import annotations

import pytest

from tests.conftest import auth

from .conftest import chat


def test_user_new_returns_a_working_key_and_info_shows_it(admin, dclient):
    made = admin.post("/user/new", {"user_id": "ann", "user_email": "ann@x.io", "models": ["gpt-4o"]})
    assert made["user_id"] == "ann" and made["user_role"] == "internal_user"
    assert made["key"].startswith("sk-") and made["models"] == ["gpt-4o"]
    assert chat(dclient, made["key"]).status_code == 200
    assert chat(dclient, made["key"], model="gpt-mini").status_code == 403  # the user's models
    info = admin.get("/user/info", user_id="ann")
    assert info["user_info"]["user_email"] == "ann@x.io"
    assert [k["token"] for k in info["keys"]] == [made["token"]]
    assert "key" not in info["keys"][0] or not str(info["keys"][0].get("key", "")).startswith("sk-")


def test_user_new_without_auto_create_key_has_no_key(admin):
    made = admin.post("/user/new", {"user_id": "bo", "auto_create_key": False})
    assert made["key"] is None
    assert admin.get("/user/info", user_id="bo")["keys"] == []


def test_user_update_changes_fields_and_audits_before_after(admin, dapp):
    admin.post("/user/new", {"user_id": "cy", "auto_create_key": False, "max_budget": 5.0})
    out = admin.post("/user/update", {"user_id": "cy", "max_budget": 9.0, "user_alias": "Cy"})
    assert out["max_budget"] == 9.0 and out["user_alias"] == "Cy"
    from gateway.models import AuditEvent

    with dapp.app_context():
        ev = AuditEvent.query.filter_by(object_type="user", object_id="cy", action="update").one()
        assert ev.detail == {
            "before": {"max_budget": 5.0, "user_alias": None, "updated_at": ev.detail["before"]["updated_at"],
                       "version": 1},
            "after": {"max_budget": 9.0, "user_alias": "Cy", "updated_at": ev.detail["after"]["updated_at"],
                      "version": 2},
        }  # fmt: skip


def test_user_delete_deletes_its_keys_everywhere(admin, dclient):
    made = admin.post("/user/new", {"user_id": "dee"})
    assert chat(dclient, made["key"]).status_code == 200  # cached now
    assert admin.post("/user/delete", {"user_ids": ["dee"]}) == {"deleted_users": ["dee"]}
    assert chat(dclient, made["key"]).status_code == 401
    admin.get("/user/info", status=404, user_id="dee")
    assert admin.get("/key/list", user_id="dee")["total_count"] == 0


def test_user_list_pages_and_filters(admin):
    for i in range(5):
        admin.post(
            "/user/new",
            {
                "user_id": f"u{i}",
                "auto_create_key": False,
                "user_role": "internal_user_viewer" if i % 2 else "internal_user",
            },
        )
    page = admin.get("/user/list", page="1", page_size="2")
    assert page["total"] == 5 and page["total_pages"] == 3 and len(page["users"]) == 2
    viewers = admin.get("/user/list", role="internal_user_viewer")
    assert sorted(u["user_id"] for u in viewers["users"]) == ["u1", "u3"]
    assert [u["user_id"] for u in admin.get("/user/list", user_ids="u0,u4")["users"]] == ["u4", "u0"]


@pytest.mark.parametrize(
    ("path", "body", "param"),
    [
        ("/user/new", {"user_id": "x", "colour": "red"}, "colour"),
        ("/user/new", {"user_id": 5}, "user_id"),
        ("/user/new", {"user_role": "god"}, "user_role"),
        ("/user/new", {"max_budget": "10"}, "max_budget"),
        ("/user/new", {"budget_duration": "30dxyz"}, "budget_duration"),
        ("/user/update", {"user_id": "x", "models": "gpt-4o"}, "models"),
        ("/user/delete", {"user_ids": []}, "user_ids"),
        ("/user/delete", {"user_ids": "x"}, "user_ids"),
    ],
)
def test_bad_user_bodies_are_400_in_the_envelope(admin, dclient, path, body, param):
    resp = dclient.post(path, json=body, headers=auth())
    assert resp.status_code == 400, resp.json
    err = resp.json["error"]
    assert err["type"] == "invalid_request_error" and err["param"] == param and err["code"] == "400"


def test_unknown_query_parameter_is_400(admin):
    assert admin.get("/user/list", status=400, colour="x")["error"]["param"] == "colour"


def test_key_generate_with_an_unknown_user_id_creates_the_user_as_litellm_does(admin):
    admin.generate(user_id="newcomer")
    assert admin.get("/user/info", user_id="newcomer")["user_info"]["user_role"] == "internal_user"
