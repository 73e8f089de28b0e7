"""Every key field LiteLLM accepts: implemented, or stored, echoed and reported as not enforced."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select, text

from gateway.extensions import db
from gateway.keys.fields import NOT_ENFORCED, STORED
from gateway.models import AuditEvent
from tests.conftest import auth
from tests.keys.conftest import MODELS, chat

pytestmark = pytest.mark.parametrize("db_url", ["postgres", "sqlite"], indirect=True)

# LiteLLM's GenerateKeyResponse, field by field (litellm/proxy/_types.py): GenerateRequestBase,
# then KeyRequestBase, then GenerateKeyResponse's own. The answer to /key/generate has them all.
GENERATE_REQUEST_BASE = (
    "key_alias", "duration", "models", "spend", "max_budget", "user_id", "team_id", "agent_id",
    "max_parallel_requests", "metadata", "tpm_limit", "rpm_limit", "budget_duration",
    "allowed_cache_controls", "config", "permissions", "model_max_budget", "model_rpm_limit",
    "model_tpm_limit", "guardrails", "policies", "prompts", "blocked", "aliases", "object_permission",
)  # fmt: skip
KEY_REQUEST_BASE = (
    "key", "budget_id", "tags", "enforced_params", "allowed_routes", "allowed_passthrough_routes",
    "allowed_vector_store_indexes", "rpm_limit_type", "tpm_limit_type", "router_settings",
    "access_group_ids",
)  # fmt: skip
GENERATE_KEY_RESPONSE = (
    "key", "key_name", "expires", "user_id", "token_id", "organization_id", "project_id",
    "litellm_budget_table", "token", "created_by", "updated_by", "created_at", "updated_at",
)  # fmt: skip

# One good value per stored LiteLLM-only field, and a second one for the update (those in
# NOT_ENFORCED are reported as such; organization_id, soft_budget, model_* and aliases are enforced).
EXAMPLES = {
    "organization_id": ("org-1", "org-2"),
    "soft_budget": (2.5, 0.0),
    "model_max_budget": (
        {"gpt-4o": {"budget_limit": 5.0, "time_period": "1d"}},
        {"gpt-mini": 1.5, "gpt-4o": {"max_budget": 2, "budget_duration": "30d", "rpm_limit": 3}},
    ),
    "model_rpm_limit": ({"gpt-4o": 10}, {"gpt-mini": 0}),
    "model_tpm_limit": ({"gpt-4o": 1000}, {"gpt-4o": 2000, "gpt-mini": 5}),
    "aliases": ({"fast": "gpt-mini"}, {"big": "gpt-4o"}),
    "permissions": ({"pii_masking": True}, {"a": [1, 2]}),
    "config": ({"x": 1}, {"y": {"z": None}}),
    "allowed_cache_controls": (["no-cache"], ["no-store", "no-cache"]),
    "budget_id": ("budget-1", "budget-2"),
    "project_id": ("proj-1", "proj-2"),
    "agent_id": ("agent-1", "agent-2"),
    "tags": (["prod"], ["dev", "ml"]),
    "guardrails": (["pii"], ["pii", "toxicity"]),
    "policies": (["p1"], ["p2"]),
    "prompts": (["welcome"], ["bye"]),
    "enforced_params": (["user"], ["metadata.generation_name"]),
    "allowed_passthrough_routes": (["/anthropic"], ["/vertex-ai"]),
    "access_group_ids": (["ag-1"], ["ag-2"]),
    "allowed_vector_store_indexes": (
        [{"index_name": "docs", "index_permissions": ["read"]}],
        [{"index_name": "docs", "index_permissions": ["read", "write"]}],
    ),
    "rpm_limit_type": ("guaranteed_throughput", "dynamic"),
    "tpm_limit_type": ("best_effort_throughput", "guaranteed_throughput"),
    "router_settings": ({"num_retries": 2}, {"timeout": 30}),
    "object_permission": (
        {"mcp_servers": ["s1"], "vector_stores": ["v1"]},
        {"mcp_tool_permissions": {"s1": ["t1"]}, "agents": []},
    ),
    "send_invite_email": (True, False),
}
UPDATE_ONLY = {"temp_budget_increase": 10.0, "temp_budget_expiry": "2030-01-01T00:00:00+00:00"}


@pytest.fixture(autouse=True)
def organizations(kapp):
    """A key's organization_id must name a real organization (AUTHZ.md): the ones used below."""
    from gateway.extensions import db
    from gateway.models import Organization

    with kapp.app_context():
        for org in ("org-1", "org-2"):
            db.session.add(
                Organization(organization_id=org, models=[], meta={}, spend=0.0, blocked=False, version=1)
            )
        db.session.commit()


def test_generate_answers_every_field_of_litellms_generate_key_response(admin):
    created = admin.generate(models=["gpt-4o"], duration="1d", key_alias="shape")
    missing = set(GENERATE_REQUEST_BASE + KEY_REQUEST_BASE + GENERATE_KEY_RESPONSE) - set(created)
    assert not missing, missing
    assert created["key"].startswith("sk-") and created["token_id"] == created["token"]
    assert created["duration"] == "1d" and created["updated_by"] == created["created_by"] == "master_key"
    assert created["litellm_budget_table"] is None and created["not_enforced"] == []
    # LiteLLM's defaults for settings never given
    assert created["model_max_budget"] == {} and created["aliases"] == {} and created["tags"] is None
    assert set(EXAMPLES) | set(UPDATE_ONLY) == set(STORED)  # each is round-tripped below


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_field_round_trips_through_generate_info_list_and_update(make_app, admin, name):
    first, second = EXAMPLES[name]
    created = admin.generate(**{name: first})
    assert created[name] == first and created["not_enforced"] == (
        [name] if first is not False and name in NOT_ENFORCED else []
    )
    info = admin.get("/key/info", key=created["token"])["info"]
    assert info[name] == first
    listed = admin.get("/key/list", return_full_object="true")["keys"]
    assert [k[name] for k in listed if k["token"] == created["token"]] == [first]

    updated = admin.post("/key/update", {"key": created["key"], name: second})
    assert updated[name] == second
    assert admin.get("/key/info", key=created["token"])["info"][name] == second
    # ... and persisted: another app on the same database reads the same value.
    resp = (
        make_app(MODELS)
        .test_client()
        .get("/key/info", query_string={"key": created["token"]}, headers=auth())
    )
    assert resp.json["info"][name] == second

    cleared = admin.post("/key/update", {"key": created["key"], name: None})
    assert cleared[name] in (None, {}, []) and name not in cleared["not_enforced"]


def test_temp_budget_is_set_together_on_update_and_stored(admin):
    key = admin.generate()["key"]
    err = admin.post("/key/update", {"key": key, "temp_budget_increase": 5}, status=400)["error"]
    assert err["param"] == "temp_budget_increase" and "together" in err["message"]
    updated = admin.post("/key/update", {"key": key, **UPDATE_ONLY})
    assert {k: updated[k] for k in UPDATE_ONLY} == UPDATE_ONLY
    assert set(UPDATE_ONLY) <= set(updated["not_enforced"])


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"model_max_budget": {"gpt-4o": -1}}, "model_max_budget"),
        ({"model_max_budget": {"gpt-4o": "5"}}, "model_max_budget"),
        ({"model_max_budget": ["gpt-4o"]}, "model_max_budget"),
        ({"model_max_budget": {"": 1}}, "model_max_budget"),
        ({"model_max_budget": {"gpt-4o": {"time_period": "1d"}}}, "model_max_budget"),
        ({"model_max_budget": {"gpt-4o": {"budget_limit": 1, "time_period": "1y"}}}, "model_max_budget"),
        ({"model_max_budget": {"gpt-4o": {"budget_limit": 1, "colour": "red"}}}, "model_max_budget"),
        ({"model_rpm_limit": {"gpt-4o": 1.5}}, "model_rpm_limit"),
        ({"model_rpm_limit": {"gpt-4o": True}}, "model_rpm_limit"),
        ({"model_tpm_limit": {"gpt-4o": -3}}, "model_tpm_limit"),
        ({"model_tpm_limit": 100}, "model_tpm_limit"),
        ({"aliases": {"fast": 3}}, "aliases"),
        ({"aliases": ["fast"]}, "aliases"),
        ({"permissions": "all"}, "permissions"),
        ({"config": [1]}, "config"),
        ({"tags": "prod"}, "tags"),
        ({"tags": ["prod", 1]}, "tags"),
        ({"guardrails": [""]}, "guardrails"),
        ({"enforced_params": {"user": True}}, "enforced_params"),
        ({"soft_budget": -1}, "soft_budget"),
        ({"soft_budget": "ten"}, "soft_budget"),
        ({"organization_id": 5}, "organization_id"),
        ({"rpm_limit_type": "fastest"}, "rpm_limit_type"),
        ({"allowed_vector_store_indexes": [{"index_name": "d"}]}, "allowed_vector_store_indexes"),
        (
            {"allowed_vector_store_indexes": [{"index_name": "d", "index_permissions": ["delete"]}]},
            "allowed_vector_store_indexes",
        ),
        ({"object_permission": {"mcp_servers": "s1"}}, "object_permission"),
        ({"object_permission": {"colour": ["red"]}}, "object_permission"),
        ({"object_permission": {"mcp_tool_permissions": {"s1": "t1"}}}, "object_permission"),
        ({"router_settings": "fast"}, "router_settings"),
        ({"send_invite_email": "yes"}, "send_invite_email"),
        ({"key_type": "admin"}, "key_type"),
        ({"key_type": "read_only", "allowed_routes": ["llm_api_routes"]}, "key_type"),
        ({"spend": -1}, "spend"),
        ({"tags": ["a\x00b"]}, "tags"),
        ({"model_rpm_limit": {"a\x00b": 1}}, "model_rpm_limit"),
    ],
)
def test_wrong_shapes_are_400_naming_the_field_and_write_nothing(kapp, admin, body, param):
    err = admin.post("/key/generate", body, status=400)["error"]
    assert err["type"] == "invalid_request_error" and err["param"] == param
    with kapp.app_context():
        assert db.session.execute(text("SELECT count(*) FROM verification_tokens")).scalar() == 0
        assert db.session.execute(text("SELECT count(*) FROM audit_events")).scalar() == 0


def test_a_bad_field_in_an_update_changes_nothing(admin):
    created = admin.generate(tags=["prod"], model_rpm_limit={"gpt-4o": 5})
    body = {"key": created["key"], "tags": ["dev"], "model_rpm_limit": {"gpt-4o": "many"}}
    assert admin.post("/key/update", body, status=400)["error"]["param"] == "model_rpm_limit"
    info = admin.get("/key/info", key=created["token"])["info"]
    assert info["tags"] == ["prod"] and info["model_rpm_limit"] == {"gpt-4o": 5}


def test_fields_not_litellms_are_still_400(admin):
    err = admin.post("/key/generate", {"colour": "blue"}, status=400)["error"]
    assert err["param"] == "colour" and "Unknown field" in err["message"]
    key = admin.generate()["key"]
    # LiteLLM's UpdateKeyRequest has no key_type, its GenerateKeyRequest no temp_budget_*
    err = admin.post("/key/update", {"key": key, "key_type": "llm_api"}, status=400)["error"]
    assert err["param"] == "key_type" and "not accepted by this operation" in err["message"]
    err = admin.post("/key/generate", {"temp_budget_increase": 1}, status=400)["error"]
    assert err["param"] == "temp_budget_increase" and "not accepted" in err["message"]


def test_key_type_presets_allowed_routes_as_litellm_does(kclient, admin):
    reader = admin.generate(key_type="read_only")
    assert reader["allowed_routes"] == ["info_routes"]
    assert chat(kclient, reader["key"]).status_code == 403
    assert kclient.get("/key/info", headers=auth(reader["key"])).status_code == 200
    llm = admin.generate(key_type="llm_api")
    assert llm["allowed_routes"] == ["llm_api_routes"] and chat(kclient, llm["key"]).status_code == 200
    assert admin.generate(key_type="default")["allowed_routes"] == []


def test_initial_spend_is_implemented_and_later_spend_is_refused(kclient, admin):
    spent = admin.generate(spend=5.0, max_budget=5.0)
    assert spent["spend"] == 5.0
    resp = chat(kclient, spent["key"])
    assert resp.status_code == 429 and resp.json["error"]["type"] == "budget_exceeded"
    err = admin.post("/key/update", {"key": spent["key"], "spend": 0}, status=400)["error"]
    assert err["param"] == "spend" and "/key/generate" in err["message"]
    assert admin.post("/key/update", {"key": spent["key"], "spend": None})["spend"] == 5.0


def test_new_master_key_on_regenerate_is_refused_with_the_reason(admin):
    key = admin.generate()["key"]
    err = admin.post("/key/regenerate", {"key": key, "new_master_key": "sk-new-master-000000"}, status=400)
    assert err["error"]["param"] == "new_master_key" and "LITELLM_MASTER_KEY" in err["error"]["message"]


def test_regenerate_keeps_the_stored_settings(admin):
    created = admin.generate(tags=["prod"], model_tpm_limit={"gpt-4o": 7}, organization_id="org-1")
    new = admin.post("/key/regenerate", {"key": created["key"], "guardrails": ["pii"]})
    assert new["tags"] == ["prod"] and new["model_tpm_limit"] == {"gpt-4o": 7}
    assert new["organization_id"] == "org-1" and new["guardrails"] == ["pii"]
    assert new["not_enforced"] == ["tags", "guardrails"]  # organization_id, model_tpm_limit: enforced


def test_the_audit_event_names_the_settings_not_enforced(kapp, admin):
    key = admin.generate(tags=["prod"], models=["gpt-4o"])["key"]
    admin.post("/key/update", {"key": key, "model_rpm_limit": {"gpt-4o": 1}, "rpm_limit": 2})
    with kapp.app_context():
        details = [e.detail for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert (
        details[0]["not_enforced"] == ["tags"] and details[1]["not_enforced"] == []
    )  # model_rpm_limit: enforced


def test_start_up_logs_the_fields_stored_without_enforcement_once(make_app, caplog, monkeypatch):
    monkeypatch.delenv("GATEWAY_CONFIG_REPORTED", raising=False)
    with caplog.at_level(logging.INFO, logger="gateway.admin.keys"):
        make_app(MODELS)
    lines = [r.getMessage() for r in caplog.records if "not enforced" in r.getMessage()]
    assert len(lines) == 1 and all(name in lines[0] for name in NOT_ENFORCED)
    caplog.clear()
    monkeypatch.setenv("GATEWAY_CONFIG_REPORTED", "1")  # what `run` sets before its workers start
    with caplog.at_level(logging.INFO, logger="gateway.admin.keys"):
        make_app(MODELS)
    assert "not enforced" not in caplog.text


def test_delete_answers_litellms_shape_with_hashes_and_unknown_keys_delete_nothing(admin):
    a = admin.generate()
    answer = admin.post("/key/delete", {"keys": [a["key"]]})
    assert answer == {"deleted_keys": [a["token"]]}  # LiteLLM echoes its input; never a plaintext here
    b = admin.generate()
    admin.post("/key/delete", {"keys": [b["key"], "sk-no-such-key-000000000"]}, status=404)
    assert admin.get("/key/info", key=b["token"])["info"]["status"] == "active"


@pytest.mark.parametrize("method", ["post", "get"])
def test_key_health_answers_litellms_shape_for_the_calling_key(kclient, admin, method):
    plain = admin.generate()["key"]
    resp = getattr(kclient, method)("/key/health", headers=auth(plain))
    assert resp.status_code == 200 and resp.json == {"key": "healthy", "logging_callbacks": None}
    assert getattr(kclient, method)("/key/health", headers=auth()).json["key"] == "healthy"  # master key
    logged = admin.generate(metadata={"logging": [{"callback_name": "langfuse", "callback_type": "success"}]})
    report = getattr(kclient, method)("/key/health", headers=auth(logged["key"])).json
    assert report["key"] == "unhealthy" and report["logging_callbacks"]["callbacks"] == ["langfuse"]
    assert getattr(kclient, method)("/key/health").status_code == 401
    llm_only = admin.generate(allowed_routes=["llm_api_routes"])["key"]
    assert getattr(kclient, method)("/key/health", headers=auth(llm_only)).status_code == 403


def test_answers_with_every_setting_match_the_documented_key_schema(admin):
    from jsonschema_rs import Draft202012Validator  # schemathesis's validator

    from gateway.openapi.schemas import COMPONENTS

    # KeyView refers to the request models' components (BudgetConfig...): resolve them in place.
    validator = Draft202012Validator(
        {"$ref": "#/components/schemas/KeyView", "components": {"schemas": COMPONENTS}}
    )
    created = admin.generate(**{name: first for name, (first, _) in EXAMPLES.items()})
    assert sorted(created["not_enforced"]) == sorted(n for n in EXAMPLES if n in NOT_ENFORCED)
    updated = admin.post(
        "/key/update", {"key": created["key"], **UPDATE_ONLY, **{n: s for n, (_, s) in EXAMPLES.items()}}
    )
    for answer in (created, updated, admin.get("/key/info", key=created["token"])["info"]):
        errors = [e.message for e in validator.iter_errors(answer)]
        assert not errors, errors
