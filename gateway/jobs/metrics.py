"""Job runs (Celery beat jobs), recorded where every web process can report them.

Jobs run in Celery workers, other processes and often other hosts than the web workers a
scrape reaches. So `record_job` writes to Redis (one pipelined round trip, the app's short
timeouts), and /metrics reads it back: cluster-wide values, the same on every instance
(aggregate with `max`, not `sum`). With no Redis (the embedded default runs jobs eagerly in
the web process) the values live in this process. Recording never fails a job.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import redis
from flask import current_app, has_app_context
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from ..extensions import get_redis
from ..redis_failures import RedisFailures

KEY = "gw:metrics:jobs"
OUTCOMES = ("ok", "error", "skipped")  # gateway/jobs/runner.py's words
MAX_JOB_NAME = 64
_FIELDS = ("runs", "seconds", "last")


class LocalJobs:
    """Process memory: the embedded default's eager jobs, or no app context at all."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, float] = {}

    def record(self, job: str, outcome: str, seconds: float, now: float) -> None:
        with self._lock:
            v = self._values
            v[f"{job}|{outcome}|runs"] = v.get(f"{job}|{outcome}|runs", 0.0) + 1
            v[f"{job}|{outcome}|seconds"] = v.get(f"{job}|{outcome}|seconds", 0.0) + seconds
            v[f"{job}|{outcome}|last"] = now

    def read(self) -> dict[str, float]:
        with self._lock:
            return dict(self._values)


LOCAL = LocalJobs()
_failures = RedisFailures("job_metrics", "job runs not recorded or not reported")


def _check(job: str, outcome: str, seconds: float) -> None:
    if not job or len(job) > MAX_JOB_NAME or "|" in job:
        raise ValueError(f"job name must be 1-{MAX_JOB_NAME} characters without '|', got {job!r}")
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, got {outcome!r}")
    if seconds < 0:
        raise ValueError("seconds must be >= 0")


def record_job(name: str, outcome: str, seconds: float) -> None:
    """Count one run of job `name` ("ok" | "error" | "skipped") that took `seconds` (the runner
    calls it after each run; /metrics reads it back through JobCollector)."""
    _check(name, outcome, seconds)
    now = time.time()
    client = get_redis(current_app) if has_app_context() else None
    if client is None:
        LOCAL.record(name, outcome, seconds, now)
        return
    prefix = f"{name}|{outcome}|"
    try:
        pipe = client.pipeline(transaction=False)
        pipe.hincrby(KEY, prefix + "runs", 1)
        pipe.hincrbyfloat(KEY, prefix + "seconds", seconds)
        pipe.hset(KEY, prefix + "last", repr(now))
        pipe.execute()
    except redis.RedisError as exc:
        _failures.failed(exc, f"record {name}")
        return
    _failures.ok()


class JobCollector(Collector):
    """Emits the recorded job runs at scrape time (one HGETALL when Redis is configured)."""

    def __init__(self, client: redis.Redis | None) -> None:
        self._client = client

    def _values(self) -> dict[str, float]:
        if self._client is None:
            return LOCAL.read()
        try:
            raw = self._client.hgetall(KEY)
        except redis.RedisError as exc:
            _failures.failed(exc, "read")
            return {}
        _failures.ok()
        return {k.decode(): float(v) for k, v in raw.items()}

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        runs = CounterMetricFamily(
            "gateway_job_runs", "Job runs by job and outcome.", labels=["job", "outcome"]
        )
        seconds = CounterMetricFamily(
            "gateway_job_seconds", "Time spent in job runs, by job and outcome.", labels=["job", "outcome"]
        )
        last = GaugeMetricFamily(
            "gateway_job_last_run_timestamp_seconds",
            "When a job last finished with this outcome (Unix time).",
            labels=["job", "outcome"],
        )
        families = {"runs": runs, "seconds": seconds, "last": last}
        for field, value in sorted(self._values().items()):
            job, outcome, kind = field.rsplit("|", 2) if field.count("|") >= 2 else ("", "", "")
            if kind in _FIELDS and outcome in OUTCOMES:
                families[kind].add_metric([job, outcome], value)
        yield runs
        yield seconds
        yield last
