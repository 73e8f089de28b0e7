"""Background jobs: a Celery app built from the Flask app, its tasks running in the app context."""

from __future__ import annotations

import os

from celery import Celery, Task
from flask import Flask, has_app_context

from gateway.stages import stages

from .schedule import beat_schedule


def celery_init_app(app: Flask) -> Celery:
    """Redis as broker when configured; the embedded default runs tasks eagerly, in-process."""
    settings = stages(app).settings

    class FlaskTask(Task):
        def __call__(self, *args: object, **kwargs: object) -> object:
            # Reuse the caller's context (eager runs in a request or a test) instead of nesting one.
            if has_app_context():
                return self.run(*args, **kwargs)
            with app.app_context():
                return self.run(*args, **kwargs)

    os.makedirs(app.instance_path, exist_ok=True)  # beat keeps its schedule file there
    celery = Celery(app.import_name, task_cls=FlaskTask)
    celery.conf.update(
        broker_url=settings.redis_url or "memory://",
        task_always_eager=settings.redis_url is None,
        task_ignore_result=True,
        task_acks_late=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        timezone="UTC",
        beat_schedule_filename=os.path.join(app.instance_path, "celerybeat-schedule"),
        beat_schedule=beat_schedule(settings.job_schedule),
    )
    celery.set_default()
    app.extensions["celery"] = celery
    from . import jobs  # noqa: F401 - registers the tasks

    return celery
