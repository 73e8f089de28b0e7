"""The Procfile's worker as it runs in production: a prefork pool whose parent built the app (and
touched the database) at import, so each child must start with its own connections."""

from __future__ import annotations

import time

from sqlalchemy import text

from gateway.extensions import db
from gateway.jobs import JOBS
from tests.conftest import MASTER
from tests.keys.conftest import MODELS, Admin
from tests.support.celery_proc import CeleryProcs
from tests.tasks.test_worker import until

CYCLES = 4
EVERY = 1.0  # seconds: every job, so a few cycles take seconds, not minutes
FORK_ERRORS = ("failed", "could not record", "Traceback", "OperationalError", "ProgrammingError", "INTRANS")


def test_prefork_children_run_every_job_for_cycles_without_sharing_a_connection(
    make_app, pg_url, redis_url, tmp_path
):
    config = {**MODELS, "general_settings": {"job_schedule": dict.fromkeys(JOBS, EVERY)}}
    app = make_app(config, env={"REDIS_URL": redis_url})
    admin = Admin(app.test_client())
    for i in range(3):  # rows for the key jobs to read and write
        admin.generate(duration="1h", budget_duration="1s", key_alias=f"fork-{i}")
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
