"""The Procfile's worker as it runs in production: a prefork pool whose parent built the app (and
touched the database) at import, so each child must start with its own connections."""

from __future__ import annotations

import json
import time

import redis as redis_lib
from sqlalchemy import text

from gateway.extensions import db
from gateway.jobs import JOBS
from gateway.usage.event import encode
from gateway.usage.sink import QUEUE
from gateway.values import UsageEvent
from tests.conftest import MASTER
from tests.jobs.conftest import rotation_config
from tests.keys.conftest import Admin
from tests.support.celery_proc import CeleryProcs
from tests.tasks.test_worker import until

CYCLES = 4
EVERY = 1.0  # seconds: every job, so a few cycles take seconds, not minutes
FORK_ERRORS = ("failed", "could not record", "Traceback", "OperationalError", "ProgrammingError", "INTRANS")


def test_prefork_children_run_every_job_for_cycles_without_sharing_a_connection(
    make_app, pg_url, redis_url, webhook, tmp_path
):
    config = rotation_config(webhook.url, job_schedule=dict.fromkeys(JOBS, EVERY))
    app = make_app(config, env={"REDIS_URL": redis_url})
    admin = Admin(app.test_client())
    keys = [admin.generate(budget_duration="1s", key_alias=f"fork-{i}") for i in range(3)]
    rotating = admin.generate(auto_rotate=True, rotation_interval="1h")
    with app.app_context():
        db.session.execute(text("UPDATE verification_tokens SET rotation_at = now() WHERE auto_rotate"))
        db.session.commit()
        db.session.remove()
    events = [  # for flush_usage to store and aggregate_usage to roll up
        encode(UsageEvent(f"req-{i}", time.time(), keys[i % 3]["token"], None, None, "virtual_key", "gpt-4o",
                          "d", 200, 10, 5, 0.001, 12.0))
        for i in range(60)
    ]  # fmt: skip
    redis_lib.Redis.from_url(redis_url).rpush(QUEUE, *events)
    procs = CeleryProcs(
        tmp_path / "prefork",
        config,
        {"DATABASE_URL": pg_url, "REDIS_URL": redis_url, "LITELLM_MASTER_KEY": MASTER},
    )

    def runs() -> dict[str, tuple[str, int, str]]:
        with app.app_context():
            rows = db.session.execute(text("SELECT name, outcome, runs, detail FROM job_runs")).all()
            db.session.remove()
        return {name: (outcome, n, detail) for name, outcome, n, detail in rows}

    try:
        procs.worker(pool="prefork", concurrency=2)
        procs.beat()
        until(
            lambda: len(runs()) == len(JOBS) and min(n for _, n, _ in runs().values()) >= CYCLES,
            120,
            f"every job run {CYCLES} times",
            procs,
        )
        time.sleep(0.5)  # let the last runs record
    finally:
        procs.stop()
    log = procs.logs()
    children = {
        line.split("ForkPoolWorker-")[1].split("]")[0]
        for line in log.splitlines()
        if "ForkPoolWorker-" in line
    }
    assert len(children) >= 2, "both prefork children must have run jobs"
    errors = {name: detail for name, (outcome, _, detail) in runs().items() if outcome != "ok"}
    assert not errors, errors
    found = [word for word in FORK_ERRORS if word in log]
    assert not found, f"{found} in the worker log:\n{log[-4000:]}"
    (delivery,) = webhook.deliveries  # rotated once, by one child
    assert json.loads(delivery.body)["old_token"] == rotating["token"]
    with app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM usage_logs")).scalar() == len(events)
        db.session.remove()
