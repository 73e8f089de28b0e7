"""aggregate_usage and GET /usage/daily: totals per day, key and model; idempotent."""

from __future__ import annotations

import math

from gateway.jobs import run
from tests.conftest import auth
from tests.keys.conftest import Admin
from tests.usage.conftest import PRICE_IN, PRICE_OUT, rows, ship_and_flush


def test_daily_totals_and_the_endpoint(uapp):
    client = uapp.test_client()
    a, b = Admin(client).generate(), Admin(client).generate()
    for key, n in ((a["key"], 3), (b["key"], 2)):
        for _ in range(n):
            client.post("/chat/completions", json={"model": "mock", "messages": []}, headers=auth(key))
    client.post(
        "/chat/completions",
        json={"model": "gpt-4o", "messages": [], "max_tokens": "x"},
        headers=auth(a["key"]),
    )
    ship_and_flush(uapp)
    with uapp.app_context():
        run("aggregate_usage", locked=False)
        first = rows(
            uapp,
            "SELECT day, key_hash, model, requests, prompt_tokens, completion_tokens, cost, errors FROM daily_usage ORDER BY key_hash, model",
        )
        run("aggregate_usage", locked=False)  # twice: the same totals, not doubled
    assert (
        rows(
            uapp,
            "SELECT day, key_hash, model, requests, prompt_tokens, completion_tokens, cost, errors FROM daily_usage ORDER BY key_hash, model",
        )
        == first
    )
    by_key = {(r.key_hash, r.model): r for r in first}
    mock_a = by_key[(a["token"], "mock")]
    assert (mock_a.requests, mock_a.completion_tokens, mock_a.errors) == (3, 9, 0)
    assert math.isclose(mock_a.cost, 3 * (1 * PRICE_IN + 3 * PRICE_OUT))
    assert by_key[(b["token"], "mock")].requests == 2
    day = str(mock_a.day)
    data = Admin(client).get("/usage/daily", key=a["key"], start=day, end=day)["data"]
    assert {(d["model"], d["requests"]) for d in data} == {("mock", 3), ("gpt-4o", 1)}
    own = client.get("/usage/daily", headers=auth(b["key"])).json["data"]
    assert [(d["key"], d["requests"]) for d in own] == [(b["token"], 2)]
    assert (
        client.get("/usage/daily", query_string={"key": a["key"]}, headers=auth(b["key"])).status_code == 403
    )
    assert Admin(client).get("/usage/daily", status=400, start="yesterday")["error"]["param"] == "start"
