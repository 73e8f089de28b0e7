"""The trivial job: proves a worker reaches the database; records when it last ran."""

from __future__ import annotations

from datetime import UTC, datetime

from celery import shared_task

from gateway.extensions import db
from gateway.models import GatewayMeta


@shared_task(name="tasks.heartbeat.heartbeat")
def heartbeat() -> str:
    now = datetime.now(UTC).isoformat()
    row = db.session.get(GatewayMeta, "jobs.heartbeat.last_run")
    if row is None:
        db.session.add(GatewayMeta(name="jobs.heartbeat.last_run", value=now))
    else:
        row.value = now
    db.session.commit()
    return now
