"""What a limited request used is settled after it ends, by this process's next admission or by the
flusher within a few milliseconds (gateway/authz/limits_redis.py): on two live instances sharing
one Redis, a client whose previous request just ended on the other instance is never refused for
the slot on its way back, a settlement reaches Redis with no further request, and every
request's cost is added exactly once however its settlement travelled."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
import requests

from gateway.values import hash_secret
from tests.conftest import auth

PRICE = {"input_cost_per_token": 0.001, "output_cost_per_token": 0.002}
CONFIG = {
    "model_list": [
        {"model_name": "m", "litellm_params": {"model": "openai/m", "mock_response": "settled"},
         "model_info": PRICE},
    ]
}  # fmt: skip
BODY = {"model": "m", "messages": [{"role": "user", "content": "hello"}]}


@pytest.fixture
def pair(live_gateway, pg_url, redis_url):
    env = {"DATABASE_URL": pg_url, "REDIS_URL": redis_url}
    return live_gateway(CONFIG, env, name="a"), live_gateway(CONFIG, env, workers=2, name="b")


def generate(gw, **fields) -> str:
    resp = requests.post(gw.url + "/key/generate", json=fields, headers=auth(), timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()["key"]


def chat(gw, key: str) -> requests.Response:
    return requests.post(gw.url + "/v1/chat/completions", json=BODY, headers=auth(key), timeout=10)


def eventually(check, seconds: float = 1.0):
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.01)


def test_a_sequential_client_with_one_slot_is_never_refused_across_instances(pair):
    a, b = pair
    key = generate(a, max_parallel_requests=1, tpm_limit=1_000_000, max_budget=1000)
    statuses = [chat((a, b)[i % 2], key).status_code for i in range(30)]
    assert statuses == [200] * 30


def test_a_settlement_reaches_redis_with_no_further_request(pair, redis_url):
    a, _ = pair
    key = generate(a, max_parallel_requests=3, max_budget=1000)
    subject = hash_secret(key)
    r = redis.Redis.from_url(redis_url)
    resp = chat(a, key)
    assert resp.status_code == 200, resp.text
    usage = resp.json()["usage"]
    cost = usage["prompt_tokens"] * 0.001 + usage["completion_tokens"] * 0.002
    assert cost > 0
    # The slot is given back, the reservation dropped and the cost added, with nothing else sent.
    assert eventually(
        lambda: r.zcard(f"gw:rl:par:{subject}") == 0 and not r.hlen(f"gw:budget:held:{subject}")
    )
    assert float(r.get(f"gw:budget:{subject}")) == pytest.approx(cost)


def test_each_request_is_settled_exactly_once_however_its_settlement_travelled(pair, redis_url):
    a, b = pair
    key = generate(a, max_parallel_requests=50, tpm_limit=10_000_000, max_budget=1000)
    subject = hash_secret(key)
    r = redis.Redis.from_url(redis_url)
    with ThreadPoolExecutor(max_workers=8) as pool:  # some ride on admissions, some on the flusher
        answers = list(pool.map(lambda i: chat((a, b)[i % 2], key), range(40)))
    assert [x.status_code for x in answers] == [200] * 40
    cost = sum(
        x.json()["usage"]["prompt_tokens"] * 0.001 + x.json()["usage"]["completion_tokens"] * 0.002
        for x in answers
    )
    tokens = sum(x.json()["usage"]["total_tokens"] for x in answers)
    assert eventually(lambda: r.zcard(f"gw:rl:par:{subject}") == 0)
    assert float(r.get(f"gw:budget:{subject}")) == pytest.approx(cost)
    # tpm: the estimates were corrected to the real usage, once each
    minute_keys = r.keys(f"gw:rl:tpm:{subject}:*")
    assert sum(int(r.get(k)) for k in minute_keys) == tokens
