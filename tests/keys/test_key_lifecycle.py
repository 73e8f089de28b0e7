"""The whole key lifecycle over HTTP, on PostgreSQL and on SQLite."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import text

from gateway.extensions import db
from gateway.headers import hash_secret
from gateway.stages import stages
from tests.keys.conftest import chat

pytestmark = pytest.mark.parametrize("db_url", ["postgres", "sqlite"], indirect=True)


def test_generate_use_update_block_regenerate_delete(kclient, admin):
    created = admin.generate(models=["gpt-4o", "gpt-mini"], metadata={"user": "zhangsan@example.com"})
    key = created["key"]
    assert re.fullmatch(r"sk-[A-Za-z0-9_\-]{22,}", key)
    assert created["key_name"] == "sk-..." + key[-4:]
    assert created["token"] == hash_secret(key)
    assert created["status"] == "active" and created["spend"] == 0.0 and created["expires"] is None

    assert chat(kclient, key).json["choices"][0]["message"]["content"] == "four-oh"

    admin.post("/key/update", {"key": key, "models": ["gpt-mini"]})
    denied = chat(kclient, key, "gpt-4o")
    assert denied.status_code == 403 and denied.json["error"]["type"] == "permission_denied"
    assert "gpt-4o" in denied.json["error"]["message"]
    assert chat(kclient, key, "gpt-mini").status_code == 200

    admin.post("/key/block", {"key": key})
    blocked = chat(kclient, key, "gpt-mini")
    assert blocked.status_code == 401 and blocked.json["error"]["type"] == "auth_error"
    assert admin.get("/key/info", key=key)["info"]["status"] == "blocked"
    admin.post("/key/unblock", {"key": key})
    assert chat(kclient, key, "gpt-mini").status_code == 200

    regen = admin.post("/key/regenerate", {"key": key, "grace_period": "2s"})
    new = regen["key"]
    assert (
        new != key
        and regen["models"] == ["gpt-mini"]
        and regen["metadata"] == {"user": "zhangsan@example.com"}
    )
    assert chat(kclient, key, "gpt-mini").status_code == 200  # old key, within its grace period
    assert chat(kclient, new, "gpt-mini").status_code == 200
    time.sleep(2.1)
    assert chat(kclient, key, "gpt-mini").status_code == 401
    assert chat(kclient, new, "gpt-mini").status_code == 200

    assert admin.post("/key/delete", {"keys": [new]}) == {"deleted_keys": [hash_secret(new)]}
    gone = chat(kclient, new, "gpt-mini")
    assert gone.status_code == 401 and gone.json["error"]["type"] == "auth_error"


def test_regenerate_without_grace_refuses_the_old_key_at_once(kclient, admin):
    key = admin.generate()["key"]
    new = admin.post(f"/key/{key}/regenerate", {})["key"]
    assert chat(kclient, key).status_code == 401
    assert chat(kclient, new).status_code == 200


def test_a_chain_of_regenerations_resolves_to_the_newest_key(kclient, admin):
    first = admin.generate(models=["gpt-4o"])["key"]
    second = admin.post("/key/regenerate", {"key": first, "grace_period": "1h"})["key"]
    third = admin.post("/key/regenerate", {"key": second, "grace_period": "1h"})["key"]
    for key in (first, second, third):
        assert chat(kclient, key).status_code == 200
    admin.post("/key/block", {"key": third})
    assert [chat(kclient, k).status_code for k in (first, second, third)] == [401, 401, 401]


@pytest.mark.parametrize(
    "header",
    [
        "Authorization",
        "x-litellm-api-key",
        "API-Key",
        "x-api-key",
        "x-goog-api-key",
        "Ocp-Apim-Subscription-Key",
    ],
)
def test_every_header_format_carries_a_virtual_key(kclient, admin, header):
    key = admin.generate()["key"]
    assert chat(kclient, key, header=header).status_code == 200


def test_expired_key_is_401_expired_key(kclient, kapp, admin):
    created = admin.generate(duration="1h")
    assert chat(kclient, created["key"]).status_code == 200
    with kapp.app_context():
        db.session.execute(
            text("UPDATE verification_tokens SET expires = :t WHERE token = :h"),
            {"t": "2020-01-01 00:00:00+00:00", "h": created["token"]},
        )
        db.session.commit()
        stages(kapp).keycache.invalidate([created["token"]])  # what the expiry job does after such a change
    resp = chat(kclient, created["key"])
    assert resp.status_code == 401 and resp.json["error"]["type"] == "expired_key"
    assert admin.get("/key/info", key=created["token"])["info"]["status"] == "expired"


def test_update_is_a_merge_patch(admin):
    key = admin.generate(
        models=["gpt-4o"], key_alias="team-a", max_budget=10, rpm_limit=5, metadata={"a": 1}
    )["key"]
    updated = admin.post("/key/update", {"key": key, "max_budget": 20})
    assert (
        updated["models"],
        updated["key_alias"],
        updated["max_budget"],
        updated["rpm_limit"],
        updated["metadata"],
    ) == (["gpt-4o"], "team-a", 20.0, 5, {"a": 1})
    cleared = admin.post("/key/update", {"key": key, "max_budget": None})
    assert cleared["max_budget"] is None and cleared["rpm_limit"] == 5


def test_durations_set_timestamps(admin):
    created = admin.generate(duration="2d", budget_duration="1mo", auto_rotate=True, rotation_interval="1w")
    assert created["expires"] and created["budget_reset_at"] and created["rotation_at"]
    assert created["budget_duration"] == "1mo" and created["rotation_interval"] == "1w"


def test_custom_key_is_imported_and_works(kclient, admin):
    created = admin.generate(key="sk-my-own-imported-key-1234")
    assert created["key"] == "sk-my-own-imported-key-1234" and created["key_name"] == "sk-...1234"
    assert chat(kclient, "sk-my-own-imported-key-1234").status_code == 200
    dup = admin.post("/key/generate", {"key": "sk-my-own-imported-key-1234"}, status=400)
    assert dup["error"]["param"] == "key"


def test_delete_by_alias_and_unknown_keys_are_404(kclient, admin):
    a = admin.generate(key_alias="alias-a")
    b = admin.generate(key_alias="alias-b")
    c = admin.generate()
    deleted = admin.post("/key/delete", {"keys": [c["key"]], "key_aliases": ["alias-a"]})["deleted_keys"]
    assert sorted(deleted) == sorted([a["token"], c["token"]])
    assert chat(kclient, b["key"]).status_code == 200
    missing = admin.post("/key/delete", {"keys": ["sk-no-such-key-000000000"]}, status=404)
    assert missing["error"]["type"] == "not_found" and "sk-no-such-key-000000000" not in str(missing)
    admin.post("/key/delete", {"key_aliases": ["nope"]}, status=404)
    admin.post("/key/info", {}, status=405)
    assert admin.get("/key/info", status=404, key="sk-unknown-key-000000000")["error"]["type"] == "not_found"


def test_list_paginates_and_filters(admin):
    admin.post("/team/new", {"team_id": "t1"})  # a key's team must exist (AUTHZ.md)
    made = [admin.generate(user_id="u1" if i % 2 else "u2", team_id="t1") for i in range(5)]
    page1 = admin.get("/key/list", page="1", size="2")
    page3 = admin.get("/key/list", page="3", size="2")
    assert (page1["total_count"], page1["total_pages"], page1["current_page"]) == (5, 3, 1)
    assert len(page1["keys"]) == 2 and len(page3["keys"]) == 1
    every = admin.get("/key/list", size="100")["keys"]
    assert sorted(every) == sorted(m["token"] for m in made)
    u1 = admin.get("/key/list", user_id="u1", return_full_object="true")
    assert u1["total_count"] == 2 and all(k["user_id"] == "u1" for k in u1["keys"])
    assert admin.get("/key/list", size="0", status=400)["error"]["param"] == "size"
    assert admin.get("/key/list", colour="red", status=400)["error"]["param"] == "colour"


def test_audit_event_for_every_mutation_without_plaintext(kapp, admin):
    key = admin.generate(key_alias="audited")["key"]
    admin.post("/key/update", {"key": key, "rpm_limit": 3})
    admin.post("/key/block", {"key": key})
    admin.post("/key/unblock", {"key": key})
    new = admin.post("/key/regenerate", {"key": key})["key"]
    admin.post("/key/delete", {"keys": [new]})
    with kapp.app_context():
        rows = db.session.execute(
            text("SELECT actor, action, key_hash, detail FROM audit_events ORDER BY id")
        ).all()
    assert [r.action for r in rows] == ["generate", "update", "block", "unblock", "regenerate", "delete"]
    assert {r.actor for r in rows} == {"master_key"}
    assert rows[0].key_hash == hash_secret(key) and rows[-1].key_hash == hash_secret(new)
    assert key not in str(rows) and new not in str(rows)
