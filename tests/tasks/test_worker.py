"""The jobs on a real Celery worker with Redis as broker, and two beats sharing one schedule."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time

import pytest
import redis as redis_lib
from kombu import pools as kombu_pools
from sqlalchemy import text

from gateway.extensions import db
from gateway.usage.event import encode
from gateway.values import UsageEvent
from tasks import celery_init_app
from tasks.jobs import TASKS
from tests.conftest import MASTER
from tests.jobs.conftest import rotation_config
from tests.keys.conftest import Admin, chat
from tests.support.celery_proc import CeleryProcs
from tests.support.live import clean_env


def until(predicate, timeout: float, what: str, procs: CeleryProcs | None = None) -> float:
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise AssertionError(
                f"{what}: not within {timeout} s\n" + (procs.logs()[-3000:] if procs else "")
            )
        time.sleep(0.05)
    return time.monotonic() - start


def job_runs(app) -> dict[str, tuple[str, int]]:
    with app.app_context():
        result = {
            r.name: (r.outcome, r.runs)
            for r in db.session.execute(text("SELECT name, outcome, runs FROM job_runs"))
        }
        db.session.remove()
        return result


@pytest.fixture
def celery_env(make_app, webhook, pg_url, redis_url, tmp_path):
    config = rotation_config(webhook.url, grace="2s")
    app = make_app(config, env={"REDIS_URL": redis_url})
    celery = celery_init_app(app)
    procs = CeleryProcs(
        tmp_path / "celery",
        config,
        {"DATABASE_URL": pg_url, "REDIS_URL": redis_url, "LITELLM_MASTER_KEY": MASTER},
    )
    yield app, celery, procs
    procs.stop()
    kombu_pools.reset()  # kombu keeps one global pool per broker URL: start the next test afresh


def send(celery, name: str) -> None:
    celery.send_task(TASKS[name].name)  # through this test's app, not a module-level default


def test_every_job_runs_end_to_end_on_a_worker(celery_env):
    app, celery, procs = celery_env
    procs.worker()
    for name in TASKS:
        send(celery, name)
    until(lambda: len(job_runs(app)) == len(TASKS), 60, "all jobs recorded", procs)
    assert {name: outcome for name, (outcome, _) in job_runs(app).items()} == dict.fromkeys(TASKS, "ok")
    for name in TASKS:  # again within the interval: every sweep is claimed already, none runs twice
        send(celery, name)
    until(lambda: procs.logs().count("succeeded in") >= 2 * len(TASKS), 60, "second round", procs)
    assert procs.logs().count("s: 'skipped'") == len(TASKS)
    assert all(runs == 1 for _, runs in job_runs(app).values())


def test_rotation_while_a_client_keeps_calling_with_the_old_key(celery_env, webhook):
    app, celery, procs = celery_env
    client = app.test_client()
    old = Admin(client).generate(auto_rotate=True, rotation_interval="1h")["key"]
    with app.app_context():
        db.session.execute(text("UPDATE verification_tokens SET rotation_at = '2020-01-01 00:00:00+00:00'"))
        db.session.commit()
    statuses: list[tuple[float, int]] = []
    stop = threading.Event()

    def keep_calling() -> None:
        c = app.test_client()
        while not stop.is_set():
            statuses.append((time.monotonic(), chat(c, old).status_code))
            time.sleep(0.02)

    caller = threading.Thread(target=keep_calling)
    caller.start()
    try:
        procs.worker()
        send(celery, "rotate_keys")
        until(lambda: webhook.deliveries, 60, "the webhook delivery", procs)
        delivered = time.monotonic()
        payload = json.loads(webhook.deliveries[0].body)
        until(lambda: chat(client, payload["key"]).status_code == 200, 5, "the new key working")
        refused_at = delivered + until(
            lambda: chat(client, old).status_code == 401, 10, "the old key refused after the grace period"
        )
    finally:
        stop.set()
        caller.join(10)
    during = [s for t, s in statuses if t < delivered + 1.5]
    assert during and set(during) == {200}, "the old key failed during its grace period"
    assert refused_at - delivered < 2 + 1.5  # grace (2 s) plus revocation and polling slack


def test_a_flush_killed_midway_and_run_again_stores_each_event_once(celery_env, redis_url, pg_url, tmp_path):
    app, _, _ = celery_env
    client = app.test_client()
    key = Admin(client).generate()
    r = redis_lib.Redis.from_url(redis_url)
    events = [
        UsageEvent(
            f"req-{i:04d}",
            time.time(),
            key["token"],
            None,
            None,
            "virtual_key",
            "gpt-4o",
            "d",
            200,
            10,
            5,
            0.001 * (i % 7 + 1),
            12.0,
        )
        for i in range(500)
    ]
    r.rpush("gw:usage:queue", *[encode(e) for e in events])
    # A kill's worst moment, which a random SIGKILL rarely hits: a batch committed whose LTRIM
    # never ran. Those events are stored and still queued; the next flush must not store them twice.
    with app.app_context():
        from gateway.usage.flush import store

        assert store([encode(e) for e in events[:5]]) == 5
        db.session.remove()
    script = (
        "from gateway import create_app\nfrom gateway.usage.flush import flush\nfrom gateway.extensions import get_redis\nfrom gateway.stages import stages\n"
        "app = create_app()\nwith app.app_context():\n    flush(stages(app).usage.sink, get_redis(app), batch_size=5)\n"
    )
    env = clean_env(
        {
            "DATABASE_URL": pg_url,
            "REDIS_URL": redis_url,
            "LITELLM_MASTER_KEY": MASTER,
            "GATEWAY_INSTANCE_PATH": str(tmp_path / "f"),
        }
    )
    proc = subprocess.Popen([sys.executable, "-c", script], env=env)

    def stored() -> int:
        with app.app_context():
            n = db.session.execute(text("SELECT count(*) FROM usage_logs")).scalar()
            db.session.remove()
            return n

    until(lambda: stored() > 5 or proc.poll() is not None, 30, "the flush starting")
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    killed_at = stored()
    assert 5 < killed_at < 500, f"the flush was not killed midway ({killed_at} rows)"
    r.delete("gw:usage:flushing")  # what the lock's TTL does a minute later
    with app.app_context():
        from gateway.jobs import run

        run("flush_usage", locked=False)
        count, spend_rows = db.session.execute(text("SELECT count(*), sum(cost) FROM usage_logs")).one()
        spend = db.session.execute(text("SELECT spend FROM verification_tokens")).scalar()
    assert count == 500 and r.llen("gw:usage:queue") == 0
    assert abs(spend - sum(e.cost for e in events)) < 1e-9 and abs(spend_rows - spend) < 1e-9


def test_two_beats_run_each_sweep_once(make_app, pg_url, redis_url, tmp_path):
    config = {"general_settings": {"job_schedule": {"heartbeat": 1.0}}}
    app = make_app(config, env={"REDIS_URL": redis_url})
    procs = CeleryProcs(
        tmp_path / "beats",
        config,
        {"DATABASE_URL": pg_url, "REDIS_URL": redis_url, "LITELLM_MASTER_KEY": MASTER},
    )
    try:
        procs.worker()
        procs.beat()
        procs.beat()
        until(lambda: "heartbeat" in job_runs(app), 60, "the first heartbeat", procs)
        start = time.monotonic()
        first = job_runs(app)["heartbeat"][1]
        time.sleep(6)
        runs = job_runs(app)["heartbeat"][1] - first
        elapsed = time.monotonic() - start
        sent = procs.logs().count("Sending due task heartbeat")
    finally:
        procs.stop()
    assert sent >= 1.5 * runs, "both beats must have been ticking"
    assert runs <= elapsed / 1.0 + 1, f"{runs} runs in {elapsed:.1f} s: a sweep ran twice"
    assert runs >= 3


def test_a_soft_budget_alert_is_delivered_by_the_worker(
    make_app, upstream, webhook, pg_url, redis_url, tmp_path
):
    from gateway.stages import stages
    from tests.usage.conftest import priced_models

    config = {**priced_models(upstream.base), "general_settings": {"alerting": ["webhook"]}}
    env = {"REDIS_URL": redis_url, "WEBHOOK_URL": webhook.url}
    app = make_app(config, env=env)
    celery = celery_init_app(app)
    procs = CeleryProcs(
        tmp_path / "celery", config, {"DATABASE_URL": pg_url, "LITELLM_MASTER_KEY": MASTER, **env}
    )
    try:
        procs.worker()
        admin = Admin(app.test_client())
        key = admin.generate(soft_budget=1e-9)["key"]
        assert chat(app.test_client(), key, model="mock").status_code == 200
        stages(app).usage.sink.ship()
        send(celery, "flush_usage")  # the worker records the crossing ...
        until(lambda: job_runs(app).get("flush_usage", ("", 0))[0] == "ok", 60, "the flush", procs)
        send(celery, "deliver_alerts")  # ... and sends it
        until(lambda: webhook.deliveries, 60, "the alert", procs)
        (delivery,) = webhook.deliveries
        assert delivery.headers["x-gateway-event"] == "soft_budget_crossed"
        assert json.loads(delivery.body)["event_group"] == "key"
    finally:
        procs.stop()
        kombu_pools.reset()
