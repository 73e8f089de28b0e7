"""The Celery app: tasks run in the Flask app context, eagerly embedded, on a real worker with Redis."""

from __future__ import annotations

import subprocess
import sys
import time

from gateway.extensions import db
from gateway.models import GatewayMeta
from tasks import celery_init_app
from tasks.schedule import JOBS, beat_schedule
from tests.conftest import MASTER
from tests.support.live import clean_env


def test_every_beat_entry_resolves_to_a_registered_task(make_app):
    celery = celery_init_app(make_app({}))
    schedule = beat_schedule({})
    assert set(schedule) == set(JOBS)
    for entry in schedule.values():
        assert entry["task"] in celery.tasks


def test_schedule_override_and_unknown_job():
    assert beat_schedule({"heartbeat": 7})["heartbeat"]["schedule"] == 7.0
    try:
        beat_schedule({"nope": 1})
    except ValueError as exc:
        assert "nope" in str(exc)
    else:
        raise AssertionError("an unknown job must be refused")


def test_embedded_default_runs_jobs_eagerly(make_app):
    app = make_app({}, env={"DATABASE_URL": ""})  # no database URL: the embedded default
    celery = celery_init_app(app)
    assert celery.conf.task_always_eager
    from tasks.heartbeat import heartbeat

    heartbeat.delay()
    with app.app_context():
        assert db.session.get(GatewayMeta, "jobs.heartbeat.last_run") is not None


def test_heartbeat_runs_on_a_real_worker(make_app, pg_url, redis_url, tmp_path):
    app = make_app({}, env={"REDIS_URL": redis_url})
    celery = celery_init_app(app)
    assert not celery.conf.task_always_eager
    env = clean_env(
        {
            "DATABASE_URL": pg_url,
            "REDIS_URL": redis_url,
            "LITELLM_MASTER_KEY": MASTER,
            "GATEWAY_INSTANCE_PATH": str(tmp_path / "w"),
        }
    )
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tasks.worker",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        from tasks.heartbeat import heartbeat

        heartbeat.delay()
        deadline = time.monotonic() + 30
        with app.app_context():
            while time.monotonic() < deadline:
                row = db.session.get(GatewayMeta, "jobs.heartbeat.last_run")
                if row is not None:
                    break
                db.session.remove()
                time.sleep(0.2)
            assert row is not None, "the worker never ran the job"
    finally:
        worker.terminate()
        worker.communicate(timeout=20)
        celery.pool.force_close_all()
