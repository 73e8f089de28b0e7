"""The Celery app: the beat schedule as data, eager in the embedded default, overrides checked."""

from __future__ import annotations

import pytest

from gateway.jobs import JOBS
from gateway.settings import ConfigError
from tasks import celery_init_app
from tasks.jobs import TASKS


def test_every_beat_entry_resolves_to_a_registered_task(make_app):
    celery = celery_init_app(make_app({}))
    schedule = celery.conf.beat_schedule
    assert set(schedule) == set(JOBS) == set(TASKS)
    for name, entry in schedule.items():
        assert entry["task"] in celery.tasks
        assert entry["schedule"] == JOBS[name].every


def test_intervals_come_from_general_settings(make_app):
    celery = celery_init_app(make_app({"general_settings": {"job_schedule": {"flush_usage": 2.5}}}))
    assert celery.conf.beat_schedule["flush_usage"]["schedule"] == 2.5


def test_an_unknown_job_in_the_schedule_stops_start_up(make_app):
    with pytest.raises(ConfigError, match=r"job_schedule\.flush_usgae"):
        make_app({"general_settings": {"job_schedule": {"flush_usgae": 5}}})
    with pytest.raises(ConfigError, match="seconds > 0"):
        make_app({"general_settings": {"job_schedule": {"flush_usage": 0}}})


def test_embedded_default_runs_tasks_eagerly_in_process(make_app):
    from gateway.extensions import db
    from gateway.models import JobRun

    app = make_app({}, env={"DATABASE_URL": ""})  # the embedded default: SQLite, no Redis
    celery = celery_init_app(app)
    assert celery.conf.task_always_eager and celery.conf.broker_url == "memory://"
    TASKS["heartbeat"].delay()
    with app.app_context():
        row = db.session.get(JobRun, "heartbeat")
        assert row is not None and row.outcome == "ok" and row.runs == 1


def test_every_registered_job_is_schedulable_runnable_by_hand_and_a_task(make_app):
    from gateway.cli.jobs import run_now

    # One registry: the settings accept, the beat schedules and `flask jobs run` offers exactly its jobs.
    schedule = {name: 7.0 + i for i, name in enumerate(JOBS)}
    celery = celery_init_app(make_app({"general_settings": {"job_schedule": schedule}}))
    assert {name: e["schedule"] for name, e in celery.conf.beat_schedule.items()} == schedule
    assert set(run_now.params[0].type.choices) == set(JOBS) == set(TASKS)
