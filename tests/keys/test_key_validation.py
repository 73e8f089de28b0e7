"""Every bad /key/* input is a 400 naming the field; nothing is written on failure."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from gateway.extensions import db

pytestmark = pytest.mark.parametrize("db_url", ["postgres", "sqlite"], indirect=True)


def key_count(app) -> int:
    with app.app_context():
        return db.session.execute(text("SELECT count(*) FROM verification_tokens")).scalar()


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"duration": "30dxyz"}, "duration"),
        ({"duration": "1y"}, "duration"),
        ({"duration": "-1"}, "duration"),
        ({"duration": "30d\n"}, "duration"),
        ({"duration": " 30d"}, "duration"),
        ({"duration": "0d"}, "duration"),
        ({"duration": 30}, "duration"),
        ({"budget_duration": "1 day"}, "budget_duration"),
        ({"auto_rotate": True, "rotation_interval": "5x"}, "rotation_interval"),
        ({"auto_rotate": True}, "rotation_interval"),
        ({"colour": "blue"}, "colour"),
        ({"guardrails": "pii"}, "guardrails"),
        ({"key": "sk-short"}, "key"),
        ({"key": "my-custom-key-without-prefix-123"}, "key"),
        ({"key": 12345678901234567}, "key"),
        ({"models": "gpt-4o"}, "models"),
        ({"models": [1, 2]}, "models"),
        ({"metadata": ["a"]}, "metadata"),
        ({"max_budget": "ten"}, "max_budget"),
        ({"max_budget": -1}, "max_budget"),
        ({"rpm_limit": 1.5}, "rpm_limit"),
        ({"rpm_limit": True}, "rpm_limit"),
        ({"blocked": "no"}, "blocked"),
        ({"key_alias": ""}, "key_alias"),
        ({"user_id": 7}, "user_id"),
        ({"allowed_routes": "/v1"}, "allowed_routes"),
    ],
)
def test_generate_rejects_with_400_naming_the_field(kapp, admin, body, param):
    err = admin.post("/key/generate", body, status=400)["error"]
    assert err["type"] == "invalid_request_error" and err["param"] == param and err["code"] == "400"
    assert key_count(kapp) == 0


def test_litellm_fields_are_fine_when_empty(admin):
    created = admin.generate(guardrails=None, tags=[], model_max_budget={})
    assert created["status"] == "active" and created["not_enforced"] == []


@pytest.mark.parametrize(
    "path", ["/key/generate", "/key/update", "/key/delete", "/key/block", "/key/regenerate"]
)
def test_malformed_json_and_non_objects_are_400(kclient, path):
    from tests.conftest import auth

    for data in (b"{oops", b"[]", b'"sk-x"'):
        resp = kclient.post(path, data=data, headers={**auth(), "Content-Type": "application/json"})
        assert resp.status_code == 400 and resp.json["error"]["type"] == "invalid_request_error"


def test_update_and_regenerate_reject_bad_input_and_change_nothing(kapp, admin):
    created = admin.generate(models=["gpt-4o"])
    assert (
        admin.post(
            "/key/update", {"key": created["key"], "models": ["gpt-mini"], "duration": "1y"}, status=400
        )["error"]["param"]
        == "duration"
    )
    assert admin.post("/key/update", {"models": ["x"]}, status=400)["error"]["param"] == "key"
    assert (
        admin.post("/key/regenerate", {"key": created["key"], "grace_period": "soon"}, status=400)["error"][
            "param"
        ]
        == "grace_period"
    )
    assert (
        admin.post("/key/block", {"key": created["key"], "why": "x"}, status=400)["error"]["param"] == "why"
    )
    info = admin.get("/key/info", key=created["token"])["info"]
    assert info["models"] == ["gpt-4o"] and info["token"] == created["token"] and not info["blocked"]


def test_alias_is_unique(admin):
    admin.generate(key_alias="dup")
    assert admin.post("/key/generate", {"key_alias": "dup"}, status=400)["error"]["param"] == "key_alias"
    other = admin.generate()
    assert (
        admin.post("/key/update", {"key": other["key"], "key_alias": "dup"}, status=400)["error"]["param"]
        == "key_alias"
    )


# Found by the schemathesis run (tests/openapi): PostgreSQL refuses NUL in text and JSONB, and
# its error used to surface as a 500. Every field that is stored or filtered on refuses it.
NUL = "a\x00b"


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"key_alias": NUL}, "key_alias"),
        ({"user_id": NUL}, "user_id"),
        ({"team_id": NUL}, "team_id"),
        ({"models": ["gpt-4o", NUL]}, "models"),
        ({"allowed_routes": [NUL]}, "allowed_routes"),
        ({"metadata": {"note": NUL}}, "metadata"),
        ({"metadata": {NUL: 1}}, "metadata"),
        ({"metadata": {"deep": [{"x": NUL}]}}, "metadata"),
    ],
)
def test_nul_characters_are_400_not_a_database_error(kapp, admin, body, param):
    err = admin.post("/key/generate", body, status=400)["error"]
    assert err["param"] == param and "NUL" in err["message"]
    assert key_count(kapp) == 0


def test_nul_in_list_filters_and_delete_aliases_is_400(admin):
    for name in ("user_id", "team_id", "key_alias"):
        assert admin.get("/key/list", status=400, **{name: NUL})["error"]["param"] == name
    assert admin.post("/key/delete", {"key_aliases": [NUL]}, status=400)["error"]["param"] == "key_aliases"
