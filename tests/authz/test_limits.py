"""Budgets and rate limits per key (API.md §9 429s), exact across instances sharing Redis."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import text

from gateway.extensions import db
from gateway.jobs import run
from tests.conftest import auth, model_entry
from tests.keys.conftest import Admin
from tests.support.net import closed_port
from tests.support.upstream import Behaviour, FakeUpstream
from tests.usage.conftest import priced_models

BODY = {"model": "gpt-4o", "messages": []}


def post(gw_url: str, key: str, model: str = "gpt-4o") -> requests.Response:
    return requests.post(
        gw_url + "/v1/chat/completions", json={"model": model, "messages": []}, headers=auth(key), timeout=10
    )


def test_rpm_limit_holds_across_two_instances(live_gateway, pg_url, redis_url, upstream):
    env = {"DATABASE_URL": pg_url, "REDIS_URL": redis_url}
    config = {"model_list": [model_entry("gpt-4o", upstream.base)]}
    a, b = live_gateway(config, env, name="a"), live_gateway(config, env, name="b")
    key = requests.post(a.url + "/key/generate", json={"rpm_limit": 10}, headers=auth(), timeout=10).json()[
        "key"
    ]
    with ThreadPoolExecutor(max_workers=30) as pool:
        answers = list(pool.map(lambda i: post((a, b)[i % 2].url, key), range(30)))
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [200] * 10 + [429] * 20
    refused = [r for r in answers if r.status_code == 429]
    assert all(
        r.json()["error"]["type"] == "rate_limit_error" and int(r.headers["Retry-After"]) >= 1
        for r in refused
    )
    assert all("rpm_limit" in r.json()["error"]["message"] for r in refused)


def open_stream(port: int, key: str, model: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    payload = json.dumps({"model": model, "messages": [], "stream": True}).encode()
    sock.sendall(
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
        + key.encode()
        + b"\r\nContent-Type: application/json\r\nContent-Length: "
        + str(len(payload)).encode()
        + b"\r\n\r\n"
        + payload
    )
    head = sock.recv(65536)
    assert head.startswith(b"HTTP/1.1 200"), head[:200]
    return sock


def until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_parallel_limit_and_slots_coming_back(live_gateway, pg_url, redis_url):
    slow, fast = FakeUpstream("slow").start(), FakeUpstream("fast").start()
    streams: list[socket.socket] = []
    try:
        slow.behaviour = Behaviour(endless=True, chunk_interval=0.05)
        config = {"model_list": [model_entry("slow", slow.base), model_entry("gpt-4o", fast.base)]}
        gw = live_gateway(config, {"DATABASE_URL": pg_url, "REDIS_URL": redis_url})
        key = requests.post(
            gw.url + "/key/generate", json={"max_parallel_requests": 2}, headers=auth(), timeout=10
        ).json()["key"]
        streams += [open_stream(gw.port, key, "slow"), open_stream(gw.port, key, "slow")]
        third = post(gw.url, key)
        assert third.status_code == 429 and third.json()["error"]["type"] == "rate_limit_error"
        assert (
            third.headers["Retry-After"] == "1"
            and "max_parallel_requests" in third.json()["error"]["message"]
        )

        streams.pop(0).close()  # a client leaving mid-stream gives its slot back
        until(lambda: post(gw.url, key).status_code == 200, 5, "slot back after a disconnect")

        gate = threading.Event()
        fast.behaviour = Behaviour(gate=gate, chunks=3)
        streams.append(open_stream(gw.port, key, "gpt-4o"))  # in flight: one slow stream, this one
        fast.behaviour = Behaviour()
        assert post(gw.url, key).status_code == 429
        gate.set()  # the upstream finishes this stream: its slot comes back
        assert fast.stream_finished.wait(5)
        until(lambda: post(gw.url, key).status_code == 200, 5, "slot back after a stream completed")
    finally:
        for sock in streams:
            sock.close()
        slow.stop()
        fast.stop()


def test_budget_refuses_after_spend_reaches_max_budget_and_reset_restores_it(make_app, upstream, redis_url):
    app = make_app(priced_models(upstream.base), env={"REDIS_URL": redis_url})
    client = app.test_client()
    made = Admin(client).generate(max_budget=0.00005, budget_duration="1d")
    key = made["key"]
    ok = client.post("/v1/chat/completions", json={"model": "mock", "messages": []}, headers=auth(key))
    assert ok.status_code == 200  # spend 0 < budget; this request costs 1*2e-6 + 3*1e-5 = 3.2e-05
    assert (
        client.post(
            "/v1/chat/completions", json={"model": "mock", "messages": []}, headers=auth(key)
        ).status_code
        == 200
    )
    refused = client.post("/v1/chat/completions", json={"model": "mock", "messages": []}, headers=auth(key))
    assert refused.status_code == 429
    err = refused.json["error"]
    assert err["type"] == "budget_exceeded" and "6.4e-05" in err["message"] and "5e-05" in err["message"]
    assert key not in refused.get_data(as_text=True) and made["token"] not in refused.get_data(as_text=True)

    with app.app_context():
        db.session.execute(
            text("UPDATE verification_tokens SET budget_reset_at = '2020-01-01 00:00:00+00:00'")
        )
        db.session.commit()
        assert run("reset_budgets", locked=False) == "1 budget(s) reset"
        assert run("reset_budgets", locked=False) == "0 budget(s) reset"  # twice: nothing more
        reset_at = db.session.execute(text("SELECT budget_reset_at, spend FROM verification_tokens")).one()
    assert str(reset_at.budget_reset_at) > "2026" and reset_at.spend == 0.0
    assert (
        client.post(
            "/v1/chat/completions", json={"model": "mock", "messages": []}, headers=auth(key)
        ).status_code
        == 200
    )


def test_tpm_limit_uses_the_upstreams_real_usage(make_app, upstream, redis_url):
    """The upstream reports 7 + 5 = 12 tokens per request; admission starts from an estimate."""
    app = make_app({"model_list": [model_entry("gpt-4o", upstream.base)]}, env={"REDIS_URL": redis_url})
    client = app.test_client()
    small = json.dumps(BODY)  # estimate len // 4 = 8
    under = Admin(client).generate(tpm_limit=17)["key"]
    assert (
        client.post(
            "/chat/completions", data=small, headers={**auth(under), "Content-Type": "application/json"}
        ).status_code
        == 200
    )
    # corrected to 12 used: 12 + 8 > 17 (the estimate alone, 8 + 8, would have passed)
    second = client.post(
        "/chat/completions", data=small, headers={**auth(under), "Content-Type": "application/json"}
    )
    assert second.status_code == 429 and "tpm_limit" in second.json["error"]["message"]

    big = json.dumps({**BODY, "max_tokens": 100})  # estimate 54 // 4 + 100 = 113, real 12
    over = Admin(client).generate(tpm_limit=130)["key"]
    for _ in range(2):  # corrected down to 12: 12 + 113 <= 130 (the estimates alone, 226, would not)
        assert (
            client.post(
                "/chat/completions", data=big, headers={**auth(over), "Content-Type": "application/json"}
            ).status_code
            == 200
        )


def test_redis_down_limits_fail_open_by_default_and_closed_when_asked(make_app, caplog):
    caplog.set_level(logging.WARNING)
    dead = {"REDIS_URL": f"redis://127.0.0.1:{closed_port()}/0"}
    mock = {
        "model_list": [
            {"model_name": "gpt-4o", "litellm_params": {"model": "openai/gpt-4o", "mock_response": "x"}}
        ]
    }
    for mode, status in (("open", 200), ("closed", 503)):
        app = make_app({**mock, "general_settings": {"limits_on_redis_failure": mode}}, env=dead)
        client = app.test_client()
        key = Admin(client).generate(rpm_limit=1)["key"]
        statuses = [
            client.post("/chat/completions", json=BODY, headers=auth(key)).status_code for _ in range(3)
        ]
        assert statuses == [status] * 3
    assert sum("limits: Redis unavailable" in r.getMessage() for r in caplog.records) <= 2


def test_without_redis_limits_hold_per_process(make_app):
    mock = {
        "model_list": [
            {"model_name": "gpt-4o", "litellm_params": {"model": "openai/gpt-4o", "mock_response": "x"}}
        ]
    }
    app = make_app(mock, env={"DATABASE_URL": ""})
    client = app.test_client()
    key = Admin(client).generate(rpm_limit=3)["key"]
    statuses = [client.post("/chat/completions", json=BODY, headers=auth(key)).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]


def test_a_bad_limits_setting_stops_start_up(make_app):
    from gateway.settings import ConfigError

    with pytest.raises(ConfigError, match="limits_on_redis_failure"):
        make_app({"general_settings": {"limits_on_redis_failure": "sometimes"}})
