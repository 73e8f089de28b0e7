"""One Celery task per background job; each runs gateway.jobs.run in the Flask app context."""

from __future__ import annotations

from celery import Task, shared_task

from gateway.jobs import JOBS, run


def _task(name: str) -> Task:
    @shared_task(name=f"tasks.{name}", ignore_result=True)
    def job() -> str:
        return run(name)

    job.__doc__ = f"The {name} job."
    return job


flush_usage = _task("flush_usage")
aggregate_usage = _task("aggregate_usage")
expire_keys = _task("expire_keys")
rotate_keys = _task("rotate_keys")
warm_key_cache = _task("warm_key_cache")
refresh_jwks = _task("refresh_jwks")
reset_budgets = _task("reset_budgets")
heartbeat = _task("heartbeat")

TASKS: dict[str, Task] = {
    "flush_usage": flush_usage,
    "aggregate_usage": aggregate_usage,
    "expire_keys": expire_keys,
    "rotate_keys": rotate_keys,
    "warm_key_cache": warm_key_cache,
    "refresh_jwks": refresh_jwks,
    "reset_budgets": reset_budgets,
    "heartbeat": heartbeat,
}
assert set(TASKS) == set(JOBS), "every job needs its task"
