"""Schemathesis against the app in process: /key/* and the client endpoints, generated from
/openapi.json, answer no 5xx, only documented statuses and content types, and bodies that match
their schemas. Models are the test config's (a mock_response one and a real loopback upstream),
so generated requests get past routing; the master key makes every operation reachable.

Driven through schemathesis's Python API (operation → hypothesis strategy) rather than its
pytest plugin, whose fixture-based loader does not run on pytest 9."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gateway.openapi.paths import paths
from tests.conftest import auth, model_entry

MODELS = ("gpt-4o", "mock-model")
EXAMPLES = int(os.environ.get("GATEWAY_FUZZ_EXAMPLES", "20"))  # per operation and mode; CI: 20
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
REQUESTS = ("ChatCompletionRequest", "CompletionRequest", "EmbeddingRequest")
FUZZED = sorted(
    (method.upper(), path)
    for path, item in paths(require_metrics_auth=False).items()
    if path.startswith("/key/") or path.endswith(("completions", "embeddings", "models"))
    for method in item
)


# The document publishes only what the gateway checks; these bounds keep generated requests
# small (a 10,000-item `models` list tests nothing more than a 3-item one), so they live here.
FUZZ_BOUNDS = {"string": ("maxLength", 64), "array": ("maxItems", 4), "object": ("maxProperties", 4)}
RESPONSES = ("Error", "KeyView", "KeyWithSecret", "OpenAIResponse")


def bounded(schema):
    """`schema` with a size bound on every string, array and object that has none."""
    if isinstance(schema, list):
        return [bounded(x) for x in schema]
    if not isinstance(schema, dict):
        return schema
    out = {
        k: bounded(v) if k != "properties" else {n: bounded(x) for n, x in v.items()}
        for k, v in schema.items()
    }
    kind = FUZZ_BOUNDS.get(out["type"]) if isinstance(out.get("type"), str) else None
    if kind and kind[0] not in out and not (kind[0] == "maxLength" and "pattern" in out):
        out[kind[0]] = kind[1]
    return out


REF = "#/components/schemas/"


def _refs(schema) -> set[str]:
    if isinstance(schema, list):
        return set().union(*(_refs(x) for x in schema)) if schema else set()
    if not isinstance(schema, dict):
        return set()
    found = {schema["$ref"].removeprefix(REF)} if isinstance(schema.get("$ref"), str) else set()
    return found.union(*(_refs(v) for v in schema.values()))


def _retarget(schema, names: set[str]):
    """`schema` with its references to `names` pointing at their bounded copies instead."""
    if isinstance(schema, list):
        return [_retarget(x, names) for x in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _retarget(v, names) for k, v in schema.items()}
    ref = out.get("$ref")
    if isinstance(ref, str) and ref.removeprefix(REF) in names:
        out["$ref"] = ref + "Fuzz"
    return out


def bound_requests(schemas: dict) -> None:
    """Bound the request schemas; a component an answer also uses (ObjectPermission in KeyView)
    gets a bounded copy for the requests and keeps its own shape for checking the answers, or a
    request past a fuzzing bound (which the API does not have) would fail the answer's check."""
    shared, todo = set(), [*RESPONSES]
    while todo:
        for name in _refs(schemas.get(todo.pop(), {})) - shared:
            shared.add(name)
            todo.append(name)
    for name in set(schemas) - set(RESPONSES):
        copy = _retarget(bounded(schemas[name]), shared)
        schemas[name + "Fuzz" if name in shared else name] = copy


@pytest.fixture
def api_schema(make_app, upstream):
    mock = {"model_name": "mock-model", "litellm_params": {"model": "openai/m", "mock_response": "hi there"}}
    app = make_app({"model_list": [model_entry("gpt-4o", upstream.base), mock]})
    client = app.test_client()
    doc = client.get("/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    bound_requests(schemas)  # requests only: answers are checked as they are
    for name in REQUESTS:  # aim at configured models (the document itself names none)
        schemas[name]["properties"]["model"] = {"enum": list(MODELS)}
    # And at existing keys, by plaintext or hash, so updates and regenerations reach the database.
    made = [client.post("/key/generate", json={}, headers=auth()).get_json() for _ in range(3)]
    keys = {"enum": [made[0]["key"], made[1]["token"], made[2]["key"], "sk-no-such-key-0000000000"]}
    for name in ("KeyUpdateRequest", "KeyRegenerateRequest", "KeyRef"):
        schemas[name]["properties"]["key"] = keys
    doc["paths"]["/key/{key}/regenerate"]["post"]["parameters"][0]["schema"] = keys
    doc["paths"]["/key/info"]["get"]["parameters"][0]["schema"] = keys
    schema = schemathesis.openapi.from_dict(doc)
    schema.app = app
    return schema


def test_fuzzed_operations_cover_key_management_and_the_client_endpoints():
    assert len(FUZZED) == 19  # 11 under /key/, 4 client operations twice (with and without /v1)
    assert ("POST", "/key/{key}/regenerate") in FUZZED and ("POST", "/v1/chat/completions") in FUZZED


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
@pytest.mark.parametrize(("method", "path"), FUZZED, ids=[f"{m} {p}" for m, p in FUZZED])
def test_no_server_errors_and_only_documented_answers(api_schema, method, path, mode):
    operation = api_schema[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    def check(case):
        case.call_and_validate(headers=auth(), checks=CHECKS)

    check()
