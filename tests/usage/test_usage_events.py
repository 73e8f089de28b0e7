"""One usage event per proxied request, stored exactly once, spend added to the key."""

from __future__ import annotations

import json
import math
import socket
import time

import pytest

from gateway.stages import stages
from tests.conftest import auth
from tests.keys.conftest import Admin
from tests.support.upstream import Behaviour
from tests.usage.conftest import PRICE_IN, PRICE_OUT, queue_length, rows, ship_and_flush


def test_500_requests_make_500_rows_and_spend_is_the_sum_of_costs(uapp, redis_url):
    client = uapp.test_client()
    key = Admin(client).generate()["key"]
    for i in range(500):
        resp = client.post(
            "/v1/chat/completions",
            json={"model": "mock", "messages": [{"role": "user", "content": "a b"}]},
            headers=auth(key),
        )
        assert resp.status_code == 200 and len(resp.headers["X-Request-Id"]) == 32, i
    ship_and_flush(uapp)
    assert queue_length(redis_url) == 0
    ((count, total, prompt, completion),) = rows(
        uapp, "SELECT count(*), sum(cost), sum(prompt_tokens), sum(completion_tokens) FROM usage_logs"
    )
    assert (count, prompt, completion) == (500, 1000, 1500)
    assert math.isclose(total, 500 * (2 * PRICE_IN + 3 * PRICE_OUT))
    info = Admin(client).get("/key/info", key=key)["info"]
    assert math.isclose(info["spend"], total)
    assert ship_and_flush(uapp) == "0 rows"  # a second run changes nothing
    assert rows(uapp, "SELECT count(*) FROM usage_logs")[0][0] == 500


def test_event_fields_from_an_upstream_json_answer(uapp, upstream):
    client = uapp.test_client()
    Admin(client).post("/team/new", {"team_id": "t-1"})  # a key's team must exist (AUTHZ.md)
    made = Admin(client).generate(user_id="u-1", team_id="t-1")
    resp = client.post(
        "/chat/completions", json={"model": "gpt-4o", "messages": []}, headers=auth(made["key"])
    )
    assert resp.status_code == 200
    ship_and_flush(uapp)
    (row,) = rows(
        uapp,
        "SELECT request_id, key_hash, user_id, team_id, auth_method, model, deployment, status, prompt_tokens, completion_tokens, cost, latency_ms FROM usage_logs",
    )
    assert row.request_id == resp.headers["X-Request-Id"]
    assert (row.key_hash, row.user_id, row.team_id, row.auth_method) == (
        made["token"],
        "u-1",
        "t-1",
        "virtual_key",
    )
    assert (row.model, row.deployment, row.status) == ("gpt-4o", "gpt-4o#1", 200)
    assert (row.prompt_tokens, row.completion_tokens) == (7, 5)  # the upstream's usage
    assert math.isclose(row.cost, 7 * PRICE_IN + 5 * PRICE_OUT) and row.latency_ms > 0


def test_stream_usage_is_asked_for_and_hidden_from_a_client_that_did_not(uapp, upstream):
    client = uapp.test_client()
    resp = client.post(
        "/chat/completions", json={"model": "gpt-4o", "messages": [], "stream": True}, headers=auth()
    )
    body = resp.get_data()
    sent = upstream.received[-1].json
    assert sent["stream_options"] == {"include_usage": True}
    events = [json.loads(e[6:]) for e in body.split(b"\n\n") if e.startswith(b"data: {")]
    assert all(e.get("choices") for e in events), "the usage-only chunk the client did not ask for leaked"
    assert body.endswith(b"data: [DONE]\n\n")
    ship_and_flush(uapp)
    assert rows(uapp, "SELECT prompt_tokens, completion_tokens, status FROM usage_logs")[0] == (7, 5, 200)


def test_a_client_that_asks_for_stream_usage_gets_it(uapp, upstream):
    client = uapp.test_client()
    body = {"model": "gpt-4o", "messages": [], "stream": True, "stream_options": {"include_usage": True}}
    data = client.post("/chat/completions", json=body, headers=auth()).get_data()
    usage_chunks = [
        json.loads(e[6:]) for e in data.split(b"\n\n") if e.startswith(b"data: {") and b'"usage": {' in e
    ]
    assert usage_chunks and usage_chunks[-1]["usage"]["completion_tokens"] == 5
    assert upstream.received[-1].body == json.dumps(body).encode() or upstream.received[-1].json == body


@pytest.mark.parametrize(("behaviour", "status"), [(Behaviour(status=429), 429), (Behaviour(delay=1.0), 504)])
def test_failed_requests_are_events_too(make_app, upstream, redis_url, behaviour, status):
    from tests.conftest import model_entry

    app = make_app(
        {"model_list": [model_entry("gpt-4o", upstream.base, timeout=0.3)]}, env={"REDIS_URL": redis_url}
    )
    upstream.behaviour = behaviour
    assert (
        app.test_client()
        .post("/chat/completions", json={"model": "gpt-4o", "messages": []}, headers=auth())
        .status_code
        == status
    )
    ship_and_flush(app)
    assert rows(app, "SELECT status, prompt_tokens, cost FROM usage_logs") == [(status, 0, 0.0)]


def test_client_leaving_mid_stream_is_recorded_as_499(live_gateway, pg_url, upstream, redis_url):
    from tests.conftest import MASTER, model_entry

    gw = live_gateway(
        {"model_list": [model_entry("gpt-4o", upstream.base)]},
        {"DATABASE_URL": pg_url, "REDIS_URL": redis_url},
    )
    upstream.behaviour = Behaviour(endless=True, chunk_interval=0.02)
    sock = socket.create_connection(("127.0.0.1", gw.port))
    payload = json.dumps({"model": "gpt-4o", "messages": [], "stream": True}).encode()
    sock.sendall(
        b"POST /chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
        + MASTER.encode()
        + b"\r\nContent-Type: application/json\r\nContent-Length: "
        + str(len(payload)).encode()
        + b"\r\n\r\n"
        + payload
    )
    assert b"200" in sock.recv(4096)
    sock.close()
    assert upstream.client_gone.wait(5)
    import redis as redis_lib

    from gateway.usage.event import decode

    client = redis_lib.Redis.from_url(redis_url)
    deadline = time.monotonic() + 5
    while client.llen("gw:usage:queue") == 0:
        assert time.monotonic() < deadline, "no usage event shipped"
        time.sleep(0.05)
    event = decode(client.lindex("gw:usage:queue", 0))
    assert event.status == 499 and event.auth_method == "master_key"


def test_embedded_default_keeps_events_in_process_until_the_flush(make_app):
    from tests.keys.conftest import MODELS

    app = make_app(MODELS, env={"DATABASE_URL": ""})
    sink = stages(app).usage.sink
    assert sink.local
    client = app.test_client()
    for _ in range(3):
        client.post("/chat/completions", json={"model": "gpt-4o", "messages": []}, headers=auth())
    assert sink.pending() == 3
    assert ship_and_flush(app) == "3 rows"
    assert sink.pending() == 0


def test_usage_events_do_not_wait_for_redis(make_app, upstream):
    """The request path never talks to the usage queue: a dead Redis costs the client nothing."""
    from tests.support.net import closed_port
    from tests.usage.conftest import priced_models

    app = make_app(priced_models(upstream.base), env={"REDIS_URL": f"redis://127.0.0.1:{closed_port()}/0"})
    client = app.test_client()
    start = time.monotonic()
    for _ in range(20):
        assert (
            client.post(
                "/chat/completions", json={"model": "mock", "messages": []}, headers=auth()
            ).status_code
            == 200
        )
    assert time.monotonic() - start < 5
    assert stages(app).usage.sink.pending() >= 1  # buffered, shipped when Redis is back


def test_embedded_scheduler_flushes_usage_in_process(make_app):
    from gateway.jobs.embedded import EmbeddedScheduler
    from tests.keys.conftest import MODELS

    app = make_app(
        {**MODELS, "general_settings": {"job_schedule": {"flush_usage": 0.05}}}, env={"DATABASE_URL": ""}
    )
    app.test_client().post("/chat/completions", json={"model": "gpt-4o", "messages": []}, headers=auth())
    scheduler = EmbeddedScheduler(app)
    assert scheduler.tick() == []  # nothing on the first tick: first runs come one interval later
    time.sleep(0.1)
    assert scheduler.tick() == ["flush_usage"]
    assert rows(app, "SELECT status, model FROM usage_logs") == [(200, "gpt-4o")]


def test_a_stream_closed_before_its_first_chunk_is_still_metered_and_closed(uapp, upstream):
    upstream.behaviour = Behaviour(endless=True, chunk_interval=0.02)
    resp = uapp.test_client().post(
        "/chat/completions",
        json={"model": "gpt-4o", "messages": [], "stream": True},
        headers=auth(),
        buffered=False,
    )
    assert resp.status_code == 200
    resp.close()  # the server closes the body without ever iterating it
    assert upstream.client_gone.wait(5), "the upstream stream was left open"
    ship_and_flush(uapp)
    assert rows(uapp, "SELECT status FROM usage_logs") == [(499,)]
