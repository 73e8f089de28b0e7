"""/spend/logs (LiteLLM's): rows from usage_logs by request_id, api_key, user_id and dates, or per
day with both dates; admins see every key, a key only its own."""

from __future__ import annotations

import math

import pytest

from tests.conftest import auth
from tests.keys.conftest import Admin
from tests.usage.conftest import PRICE_IN, PRICE_OUT, priced_models, ship_and_flush


@pytest.fixture
def uapp(make_app, upstream, redis_url):
    return make_app(priced_models(upstream.base), env={"REDIS_URL": redis_url})


def _chat(client, key: str) -> str:
    resp = client.post("/v1/chat/completions", json={"model": "gpt-4o", "messages": []}, headers=auth(key))
    assert resp.status_code == 200
    return resp.headers["X-Request-Id"]


def test_spend_logs_by_request_key_user_and_day(uapp, upstream):
    client = uapp.test_client()
    admin = Admin(client)
    a = admin.generate(user_id="alice")
    b = admin.generate(user_id="bob")
    first = _chat(client, a["key"])
    _chat(client, a["key"])
    other = _chat(client, b["key"])
    ship_and_flush(uapp)

    everything = admin.get("/spend/logs")
    assert isinstance(everything, list) and len(everything) == 3
    (row,) = admin.get("/spend/logs", request_id=first)
    assert (row["request_id"], row["api_key"], row["user"], row["model"]) == (
        first,
        a["token"],
        "alice",
        "gpt-4o",
    )
    assert (row["prompt_tokens"], row["completion_tokens"], row["total_tokens"]) == (7, 5, 12)
    assert math.isclose(row["spend"], 7 * PRICE_IN + 5 * PRICE_OUT) and row["status"] == "success"
    assert row["startTime"] <= row["endTime"]
    assert {r["request_id"] for r in admin.get("/spend/logs", api_key=b["key"])} == {other}
    assert len(admin.get("/spend/logs", api_key=a["token"])) == 2  # the hash works too
    assert len(admin.get("/spend/logs", user_id="alice")) == 2

    day = row["startTime"][:10]
    (grouped,) = admin.get("/spend/logs", start_date=day, end_date=day)
    assert grouped["startTime"] == day and math.isclose(grouped["spend"], 3 * row["spend"])
    assert set(grouped["users"]) == {"alice", "bob"} and list(grouped["models"]) == ["gpt-4o"]
    assert math.isclose(grouped[a["token"]], 2 * row["spend"])


def test_a_key_sees_only_its_own_spend_logs(uapp, upstream):
    client = uapp.test_client()
    admin = Admin(client)
    a, b = admin.generate(), admin.generate()
    mine = _chat(client, a["key"])
    _chat(client, b["key"])
    ship_and_flush(uapp)
    resp = client.get("/spend/logs", headers=auth(a["key"]))
    assert resp.status_code == 200 and [r["request_id"] for r in resp.json] == [mine]
    resp = client.get("/spend/logs", query_string={"api_key": b["key"]}, headers=auth(a["key"]))
    assert resp.status_code == 403 and resp.json["error"]["type"] == "permission_denied"
    assert client.get("/spend/logs").status_code == 401


def test_bad_spend_log_parameters_are_400(uapp):
    admin = Admin(uapp.test_client())
    assert "start_date" in admin.get("/spend/logs", 400, start_date="yesterday")["error"]["message"]
    assert (
        admin.get("/spend/logs", 400, start_date="2026-02-01", end_date="2026-01-01")["error"]["param"]
        == "start_date"
    )
    assert admin.get("/spend/logs", 400, limit="5")["error"]["param"] == "limit"
