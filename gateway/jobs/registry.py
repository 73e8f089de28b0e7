"""The background jobs: name → what it runs and how often by default (DESIGN.md "Jobs").

The one list of jobs: the check of `general_settings.job_schedule` (gateway/config.py), the
Celery tasks and beat schedule (tasks/), `flask jobs` and the embedded scheduler all derive
from `JOBS`. Nothing here imports the stages at module level, so validate_config can read it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[], str]  # returns a short summary for `flask jobs status`
    every: float  # default interval, seconds


def _flush_usage() -> str:
    from ..stages import stages
    from ..usage.flush import flush

    s = stages()
    return f"{flush(s.usage.sink, s.redis)} rows"


def _aggregate_usage() -> str:
    from ..usage.aggregate import aggregate

    return f"{aggregate()} day(s) recomputed"


def _expire_keys() -> str:
    from ..keys.lifecycle import expire_due

    return expire_due()


def _rotate_keys() -> str:
    from ..keys.lifecycle import rotate_due

    return rotate_due()


def _warm_key_cache() -> str:
    from ..keys.lifecycle import warm_cache

    return warm_cache()


def _reset_budgets() -> str:
    from ..directory.budgets import reset_level_budgets
    from ..keys.lifecycle import reset_budgets

    keys, levels = reset_budgets(), reset_level_budgets()
    return f"{keys}; {levels} user/team/member/organization/customer budget(s) reset" if levels else keys


def _refresh_jwks() -> str:
    from ..stages import stages

    store = stages().jwks
    if store is None:
        return "JWT auth not enabled"
    done = store.refresh_all()
    return f"{sum(done.values())}/{len(done)} key set(s) refreshed"


def _deliver_alerts() -> str:
    from ..alerts import deliver_due
    from ..stages import stages

    alerting = stages().settings.alerting
    return deliver_due(alerting.webhook_url if alerting.budget_webhook else None, alerting.webhook_secret)


def _heartbeat() -> str:
    from ..clock import utcnow
    from ..extensions import db
    from ..models import GatewayMeta

    row = db.session.get(GatewayMeta, "jobs.heartbeat.last_run") or GatewayMeta(
        name="jobs.heartbeat.last_run"
    )
    row.value = utcnow().isoformat()
    db.session.merge(row)
    db.session.commit()
    return row.value


JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        Job("flush_usage", _flush_usage, 10),
        Job("aggregate_usage", _aggregate_usage, 300),
        Job("expire_keys", _expire_keys, 60),
        Job("rotate_keys", _rotate_keys, 60),
        Job("warm_key_cache", _warm_key_cache, 300),
        Job("refresh_jwks", _refresh_jwks, 300),
        Job("reset_budgets", _reset_budgets, 60),
        Job("deliver_alerts", _deliver_alerts, 10),
        Job("heartbeat", _heartbeat, 300),
    )
}


def interval(name: str) -> float:
    """The job's interval: `general_settings.job_schedule` overrides the default."""
    from ..stages import stages

    return stages().settings.job_schedule.get(name, JOBS[name].every)
