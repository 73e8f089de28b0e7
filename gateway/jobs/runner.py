"""Running a job: at most once per interval across every beat (a lease), timed, recorded."""

from __future__ import annotations

import logging
import time

import redis
from flask import current_app

from .. import leases
from ..clock import utcnow
from ..extensions import db, get_redis
from ..models import JobRun
from ..redis_failures import RedisFailures
from .metrics import record_job
from .registry import JOBS, interval

log = logging.getLogger(__name__)

# Without the lock, two beats may both run a sweep: harmless, since every job is idempotent.
_lock_failures = RedisFailures("job_lock", "running jobs unlocked (they are idempotent)")


def _claim(name: str) -> bool:
    """Claim this interval's run. The lock is not released: it expires just before the next
    tick, so a second beat's tick in the same interval finds it taken and skips."""
    ttl = max(interval(name) * 0.9, 0.5)
    try:
        claimed = leases.acquire(get_redis(current_app), f"gw:job:{name}", ttl) is not None
    except redis.RedisError as exc:
        _lock_failures.failed(exc, name)
        return True
    _lock_failures.ok()
    return claimed


def _record(name: str, started, seconds: float, outcome: str, detail: str) -> None:
    try:
        row = db.session.get(JobRun, name)
        if row is None:
            row = JobRun(name=name, runs=0)
            db.session.add(row)
        row.started_at, row.duration_ms, row.outcome, row.detail = (
            started,
            seconds * 1000,
            outcome,
            detail[:500],
        )
        row.runs = (row.runs or 0) + 1
        db.session.commit()
    except Exception as exc:  # the record is bookkeeping: never fail the job over it
        db.session.rollback()
        log.warning("could not record run of %s: %s", name, type(exc).__name__)


def run(name: str, locked: bool = True) -> str:
    """Run job `name` now; 'skipped' when this interval's run already happened elsewhere."""
    job = JOBS[name]
    if locked and not _claim(name):
        return "skipped"
    started, t0 = utcnow(), time.perf_counter()
    try:
        detail, outcome = job.run(), "ok"
    except Exception as exc:
        db.session.rollback()
        log.exception("job %s failed", name)
        detail, outcome = f"{type(exc).__name__}: {exc}", "error"
    seconds = time.perf_counter() - t0
    _record(name, started, seconds, outcome, detail)
    record_job(name, outcome, seconds)
    return outcome if outcome != "ok" else detail
