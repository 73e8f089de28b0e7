"""Budgets under concurrency: requests in flight hold their estimated cost against the budget, so
concurrent first requests cannot all pass on the same stale spend (docs/limits.md, the bound)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import requests

from gateway.authz.limits import estimate_cost, model_prices
from gateway.authz.limits_local import LocalLimiter
from gateway.settings import load_settings
from gateway.values import Limits
from tests.conftest import auth, model_entry
from tests.support.upstream import Behaviour, FakeUpstream
from tests.usage.conftest import PRICE_IN, PRICE_OUT

BODY = {"model": "gpt-4o", "messages": [], "max_tokens": 10}


def priced(base: str) -> dict:
    entry = model_entry("gpt-4o", base)
    return {
        "model_list": [
            {**entry, "model_info": {"input_cost_per_token": PRICE_IN, "output_cost_per_token": PRICE_OUT}}
        ]
    }


def held_cost() -> float:
    raw = json.dumps(BODY).encode()
    return (len(raw) // 4) * PRICE_IN + 10 * PRICE_OUT


def test_thirty_concurrent_requests_over_a_tiny_budget_admit_one_across_instances(
    live_gateway, pg_url, redis_url
):
    slow = FakeUpstream("slow").start()
    try:
        slow.behaviour = Behaviour(
            delay=1.0
        )  # every admitted request is still in flight when the rest arrive
        env = {"DATABASE_URL": pg_url, "REDIS_URL": redis_url}
        a, b = live_gateway(priced(slow.base), env, name="a"), live_gateway(priced(slow.base), env, name="b")
        budget = held_cost() / 2  # below one request's estimate: only the first may run
        key = requests.post(
            a.url + "/key/generate", json={"max_budget": budget}, headers=auth(), timeout=10
        ).json()["key"]

        def call(i: int) -> requests.Response:
            return requests.post(
                (a, b)[i % 2].url + "/v1/chat/completions", json=BODY, headers=auth(key), timeout=20
            )

        with ThreadPoolExecutor(max_workers=30) as pool:
            answers = list(pool.map(call, range(30)))
        statuses = sorted(r.status_code for r in answers)
        assert statuses == [200] + [429] * 29, statuses
        refused = [r.json()["error"] for r in answers if r.status_code == 429]
        assert all(e["type"] == "budget_exceeded" for e in refused)
        assert any("held by requests in flight" in e["message"] for e in refused)
        # settled: the reservation is gone, the real cost (7 * in + 5 * out) is the spend
        after = requests.post(a.url + "/v1/chat/completions", json=BODY, headers=auth(key), timeout=20)
        assert after.status_code == 429 and "held by" not in after.json()["error"]["message"]
    finally:
        slow.stop()


def test_reservations_admit_as_many_as_the_remaining_budget_holds_and_come_back():
    limiter, cost = LocalLimiter(), 1.0
    limits = Limits(max_budget=2.5)
    admitted = [limiter.admit([("k", limits, cost)], f"r{i}", 0)[0] for i in range(5)]
    assert admitted == [True, True, True, False, False]  # held 0, 1, 2 < 2.5; then 3 >= 2.5
    limiter.settle([("k", limits, cost)], "r0", 0, 0, 0, 0.5)  # finished cheaper than estimated
    # spend 0.5 + held 2 = 2.5: still full; one more settle frees room
    assert limiter.admit([("k", limits, cost)], "r5", 0)[0] is False
    limiter.settle([("k", limits, cost)], "r1", 0, 0, 0, 0.5)
    assert limiter.admit([("k", limits, cost)], "r6", 0)[0] is True


def test_the_estimate_assumes_the_dearest_deployment_and_the_requests_max_tokens():
    settings = load_settings(
        raw={
            "model_list": [
                {
                    "model_name": "m",
                    "litellm_params": {"model": "openai/m", "mock_response": "x"},
                    "model_info": {"input_cost_per_token": 1.0, "output_cost_per_token": 2.0},
                },
                {
                    "model_name": "m",
                    "litellm_params": {"model": "openai/m", "mock_response": "x"},
                    "model_info": {"input_cost_per_token": 3.0, "output_cost_per_token": 1.0},
                },
            ]
        },
        environ={},
    )
    prices = model_prices(settings.deployments)
    assert prices["m"] == (3.0, 2.0)
    assert estimate_cost(prices, "m", b"x" * 40, {"max_tokens": 5}) == 10 * 3.0 + 5 * 2.0
    assert estimate_cost(prices, "m", b"x" * 40, {}) == 30.0
    assert estimate_cost(prices, "unknown", b"x" * 40, {"max_tokens": 5}) == 0.0
