"""GET /openapi.json: one operation per route and method, public, and in step with the validators."""

from __future__ import annotations

import re

import schemathesis

from gateway.keys.fields import KeyGenerateRequest, KeyRegenerateRequest, KeyUpdateRequest
from tests.conftest import MASTER
from tests.keys.conftest import MODELS


def flask_operations(app) -> set[tuple[str, str]]:
    """Every route of the API; the admin UI's pages (`/ui`, docs/ui.md) are HTML, not API operations."""
    ops = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("ui."):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        ops |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return ops


def test_every_route_is_documented_and_nothing_else(make_app):
    app = make_app(MODELS)
    doc = app.test_client().get("/openapi.json").get_json()
    documented = {(p, m) for p, item in doc["paths"].items() for m in item}
    assert documented == flask_operations(app)


def test_the_document_is_public_json_and_loads_as_openapi_31(make_app):
    app = make_app(MODELS)
    resp = app.test_client().get("/openapi.json")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    doc = resp.get_json()
    assert doc["openapi"] == "3.1.0"
    schema = schemathesis.openapi.from_dict(doc)  # schemathesis resolves every $ref and operation
    assert len(list(schema.get_all_operations())) == sum(len(item) for item in doc["paths"].values())


def test_it_shows_no_configuration(make_app):
    app = make_app(MODELS, env={"LITELLM_MASTER_KEY": MASTER})
    text = app.test_client().get("/openapi.json").get_data(as_text=True)
    for configured in (MASTER, "gpt-mini", "four-oh"):  # the master key, a model, its mock answer
        assert configured not in text


def test_key_request_schemas_list_exactly_the_fields_the_validators_accept(make_app):
    schemas = make_app(MODELS).test_client().get("/openapi.json").get_json()["components"]["schemas"]
    for name, spec in (
        ("KeyGenerateRequest", KeyGenerateRequest),
        ("KeyUpdateRequest", KeyUpdateRequest),
        ("KeyRegenerateRequest", KeyRegenerateRequest),
    ):
        assert set(schemas[name]["properties"]) == set(spec.model_fields), name
        assert schemas[name]["additionalProperties"] is False


def test_metrics_security_follows_the_setting(make_app):
    public = make_app(MODELS).test_client().get("/openapi.json").get_json()
    assert public["paths"]["/metrics"]["get"]["security"] == []
    config = {**MODELS, "litellm_settings": {"require_auth_for_metrics_endpoint": True}}
    private = make_app(config).test_client().get("/openapi.json").get_json()
    assert "security" not in private["paths"]["/metrics"]["get"]  # the document's default: a key
    assert "401" in private["paths"]["/metrics"]["get"]["responses"]


def test_a_custom_key_header_is_a_security_scheme(make_app):
    config = {**MODELS, "general_settings": {"litellm_key_header_name": "X-Gateway-Key"}}
    doc = make_app(config).test_client().get("/openapi.json").get_json()
    assert doc["components"]["securitySchemes"]["X-Gateway-Key"]["name"] == "X-Gateway-Key"
    assert {"X-Gateway-Key": []} in doc["security"]


def _violations(schema: dict) -> list:
    """Values just outside each bound the schema of a field publishes."""
    out = []
    for s in [schema, *schema.get("anyOf", [])]:
        if "maximum" in s:
            out.append(s["maximum"] + 1)
        if "minimum" in s:
            out.append(s["minimum"] - 1)
        if "maxLength" in s:
            out.append("x" * (s["maxLength"] + 1))
        if "minLength" in s:
            out.append("")
        if "pattern" in s:
            out.append("!")
        if "maxItems" in s:
            out.append([f"x{i}" for i in range(s["maxItems"] + 1)])
        if "maxProperties" in s:
            out.append({f"x{i}": 1 for i in range(s["maxProperties"] + 1)})
        if s.get("type") == "boolean":
            out.append(1)
    return out


def test_every_bound_the_document_publishes_for_a_key_field_is_enforced(make_app):
    """Found by issue 14: the document once published fuzzing bounds the validator never
    checked. Every published limit of /key/generate's fields is a 400 naming the field."""
    from tests.conftest import auth

    app = make_app(MODELS)
    client = app.test_client()
    props = client.get("/openapi.json").get_json()["components"]["schemas"]["KeyGenerateRequest"][
        "properties"
    ]
    checked = 0
    for name, schema in props.items():
        for value in _violations(schema):
            resp = client.post("/key/generate", json={name: value}, headers=auth())
            assert resp.status_code == 400 and resp.json["error"]["param"] == name, (name, value)
            checked += 1
    assert checked >= 30
