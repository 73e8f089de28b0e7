"""The admin GET routes' query parameters: published from the models that read them, so a bound
changed in one is changed in the other, and every published bound is enforced with a 400."""

from __future__ import annotations

import pytest

from gateway.admin.params import (
    PAGE_MAX,
    SIZE_MAX,
    KeyInfoQuery,
    KeyListQuery,
    SpendLogsQuery,
    UsageDailyQuery,
)
from tests.conftest import auth
from tests.keys.conftest import MODELS

ROUTES = [("/key/list", KeyListQuery), ("/key/info", KeyInfoQuery), ("/spend/logs", SpendLogsQuery),
          ("/usage/daily", UsageDailyQuery)]  # fmt: skip


@pytest.fixture
def doc(make_app):
    app = make_app(MODELS)
    return app, app.test_client().get("/openapi.json").get_json()


def _params(doc: dict, path: str) -> dict[str, dict]:
    return {p["name"]: p for p in doc["paths"][path]["get"]["parameters"]}


def test_key_list_publishes_the_bounds_its_model_enforces(doc):
    _, document = doc
    params = _params(document, "/key/list")
    page, size = params["page"]["schema"], params["size"]["schema"]
    assert (page["type"], page["minimum"], page["maximum"]) == ("integer", 1, PAGE_MAX)
    assert (size["type"], size["minimum"], size["maximum"]) == ("integer", 1, SIZE_MAX)
    for name in ("page", "size"):  # the model's own bound, read from its field, not restated
        bounds = {type(m).__name__: m for m in KeyListQuery.model_fields[name].metadata}
        assert (params[name]["schema"]["minimum"], params[name]["schema"]["maximum"]) == (
            bounds["Ge"].ge,
            bounds["Le"].le,
        )
    assert params["return_full_object"]["schema"]["type"] == "boolean"
    assert params["user_id"]["schema"]["maxLength"] == 255 and "anyOf" not in params["user_id"]["schema"]


@pytest.mark.parametrize(("path", "model"), ROUTES, ids=[p for p, _ in ROUTES])
def test_each_route_publishes_exactly_the_parameters_its_model_takes(doc, path, model):
    _, document = doc
    params = _params(document, path)
    assert set(params) == set(model.model_fields)
    assert all(p["in"] == "query" and p["required"] is False for p in params.values())


def _outside(schema: dict) -> list[str]:
    out = []
    if "minimum" in schema:
        out += [str(schema["minimum"] - 1)]
    if "maximum" in schema:
        out += [str(schema["maximum"] + 1), "9" * (len(str(schema["maximum"])) + 1)]
    if schema.get("type") == "integer":
        out += ["1.5", "²", "x"]
    if "maxLength" in schema:
        out += ["x" * (schema["maxLength"] + 1)]
    if "minLength" in schema:
        out += [""]
    if schema.get("type") == "boolean":
        out += ["1", "yes"]
    if schema.get("format") == "date":
        out += ["2026-13-01", "yesterday"]
    return out


@pytest.mark.parametrize(("path", "model"), ROUTES, ids=[p for p, _ in ROUTES])
def test_every_published_bound_is_a_400_naming_the_parameter(doc, path, model):
    app, document = doc
    client = app.test_client()
    checked = 0
    for name, param in _params(document, path).items():
        for value in _outside(param["schema"]):
            resp = client.get(path, query_string={name: value}, headers=auth())
            assert resp.status_code == 400, (name, value, resp.json)
            assert resp.json["error"]["param"] == name, (name, value)
            checked += 1
    assert checked >= len(model.model_fields)


def test_the_bounds_themselves_are_accepted_and_the_400_says_the_rule(doc):
    app, _ = doc
    client = app.test_client()
    for query in ({"page": "1", "size": "1"}, {"page": str(PAGE_MAX), "size": str(SIZE_MAX)},
                  {"return_full_object": "TRUE"}):  # fmt: skip
        assert client.get("/key/list", query_string=query, headers=auth()).status_code == 200, query
    resp = client.get("/key/list", query_string={"size": str(SIZE_MAX + 1)}, headers=auth())
    assert resp.json["error"]["message"] == f"`size` must be a whole number from 1 to {SIZE_MAX}."
    resp = client.get("/key/list", query_string={"colour": "red"}, headers=auth())
    assert resp.json["error"]["message"] == "Unknown parameter `colour`."
    resp = client.get("/usage/daily", query_string={"start": "31/01/2026"}, headers=auth())
    assert resp.json["error"]["message"] == "`start` must be a date like 2026-01-31."
