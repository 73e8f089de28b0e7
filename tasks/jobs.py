"""One Celery task per background job (gateway/jobs/registry.py); each runs gateway.jobs.run in
the Flask app context."""

from __future__ import annotations

from celery import Task, shared_task

from gateway.jobs import JOBS, run


def _task(name: str) -> Task:
    @shared_task(name=f"tasks.{name}", ignore_result=True)
    def job() -> str:
        return run(name)

    job.__doc__ = f"The {name} job."
    return job


TASKS: dict[str, Task] = {name: _task(name) for name in JOBS}
