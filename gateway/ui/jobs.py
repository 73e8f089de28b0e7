"""The jobs page: each background job's interval, last run (when, how long, outcome) and next run."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import render_template

from ..clock import as_utc, iso, utcnow
from ..extensions import db
from ..jobs.registry import JOBS, interval
from ..models import JobRun
from . import bp
from .permit import require
from .session import require_login


def job_rows() -> list[dict[str, Any]]:
    runs = {r.name: r for r in db.session.query(JobRun).all()}
    now = utcnow()
    rows = []
    for name in JOBS:
        every = interval(name)
        run = runs.get(name)
        last = as_utc(run.started_at) if run is not None else None
        due = last + timedelta(seconds=every) if last is not None else None
        rows.append(
            {
                "name": name,
                "every": every,
                "last": iso(last) if last else None,
                "outcome": run.outcome if run else None,
                "duration_ms": run.duration_ms if run else None,
                "detail": run.detail if run else "",
                "runs": run.runs if run else 0,
                "next": "at the next tick" if due is None or due <= now else iso(due),
            }
        )
    return rows


@bp.get("/jobs")
def jobs_page() -> str:
    principal = require_login()
    require(principal, "/audit")  # operations data: the admins and admin viewers of /audit
    return render_template("jobs.html", rows=job_rows())
