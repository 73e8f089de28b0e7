"""/customer/* and /end_user/*: LiteLLM's end users, their shapes, blocking, deletion, bad input."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("base", ["/customer", "/end_user"])
def test_new_info_update_list_block_delete(admin, base):
    made = admin.post(
        f"{base}/new", {"user_id": "c1", "alias": "Cee", "max_budget": 3.0, "default_model": "gpt-4o"}
    )
    assert made["user_id"] == "c1" and made["blocked"] is False and made["default_model"] == "gpt-4o"
    assert made["litellm_budget_table"]["max_budget"] == 3.0 and made["allowed_model_region"] is None
    assert admin.get(f"{base}/info", end_user_id="c1")["alias"] == "Cee"
    assert admin.post(f"{base}/update", {"user_id": "c1", "tpm_limit": 100})["tpm_limit"] == 100
    blocked = admin.post(f"{base}/block", {"user_ids": ["c1", "never-seen"]})["blocked_users"]
    assert [(c["user_id"], c["blocked"]) for c in blocked] == [
        ("c1", True),
        ("never-seen", True),
    ]  # LiteLLM upserts
    assert admin.post(f"{base}/unblock", {"user_ids": ["c1"]})["blocked_users"][0]["blocked"] is False
    assert {c["user_id"] for c in admin.get(f"{base}/list")} == {"c1", "never-seen"}
    assert [c["user_id"] for c in admin.get(f"{base}/list", alias="Cee")] == ["c1"]
    out = admin.post(f"{base}/delete", {"user_ids": ["c1", "never-seen"]})
    assert out["deleted_customers"] == 2
    assert admin.get(f"{base}/list") == []


@pytest.mark.parametrize(
    "body, param",
    [
        ({}, "user_id"),
        ({"user_id": ""}, "user_id"),
        ({"user_id": "c", "blocked": "yes"}, "blocked"),
        ({"user_id": "c", "default_model": "not-configured"}, "default_model"),
        ({"user_id": "c", "budget_id": "free"}, "budget_id"),
        ({"user_id": "c", "allowed_model_region": "eu"}, "allowed_model_region"),
        ({"user_id": "c", "rpm_limit": -1}, "rpm_limit"),
        ({"user_id": "c", "nickname": "x"}, "nickname"),
    ],
)
def test_bad_bodies_are_400_naming_the_field(admin, body, param):
    assert admin.post("/customer/new", body, 400)["error"]["param"] == param


def test_unknowns_are_404_duplicates_400_and_nothing_half_deleted(admin):
    admin.post("/customer/new", {"user_id": "c1"})
    assert admin.post("/customer/new", {"user_id": "c1"}, 400)["error"]["param"] == "user_id"
    assert admin.get("/customer/info", status=404, end_user_id="nope")
    assert admin.post("/customer/update", {"user_id": "nope", "alias": "x"}, 404)
    assert admin.post("/customer/unblock", {"user_ids": ["nope"]}, 404)
    assert admin.post("/customer/delete", {"user_ids": ["c1", "nope"]}, 404)
    assert admin.get("/customer/info", end_user_id="c1")["user_id"] == "c1"
    assert admin.post("/customer/delete", {"user_ids": []}, 400)["error"]["param"] == "user_ids"
    assert admin.get("/customer/info", status=400)["error"]["param"] == "end_user_id"


def test_only_admins_write_customers_and_viewers_read(admin, user_as):
    admin.post("/customer/new", {"user_id": "c1"})
    viewer = user_as("vi", "proxy_admin_viewer")
    internal = user_as("iu", "internal_user")
    assert viewer.get("/customer/info", end_user_id="c1").status_code == 200
    assert viewer.post("/customer/block", {"user_ids": ["c1"]}).status_code == 403
    assert internal.get("/customer/list").status_code == 403
    assert internal.post("/customer/new", {"user_id": "c2"}).status_code == 403
