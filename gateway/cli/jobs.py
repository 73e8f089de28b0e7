"""`flask jobs status|run`: what the background jobs did, and running one by hand."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from ..clock import iso
from ..extensions import db
from ..jobs import JOBS, interval, run
from ..models import JobRun

jobs = AppGroup("jobs", help="Background jobs: status, and running one now.")


@jobs.command("status")
def status() -> None:
    """Each job's interval, last run, duration and outcome."""
    rows = {r.name: r for r in db.session.scalars(sa.select(JobRun))}
    click.echo(
        f"{'job':<16} {'every':>7}  {'last run (UTC)':<32} {'ms':>8}  {'outcome':<8} {'runs':>5}  detail"
    )
    for name in JOBS:
        r = rows.get(name)
        if r is None:
            click.echo(f"{name:<16} {interval(name):>6g}s  {'never':<32} {'':>8}  {'':<8} {0:>5}")
            continue
        click.echo(
            f"{name:<16} {interval(name):>6g}s  {iso(r.started_at):<32} {r.duration_ms:>8.1f}  "
            f"{r.outcome:<8} {r.runs:>5}  {r.detail}"
        )


@jobs.command("run")
@click.argument("name", type=click.Choice(sorted(JOBS)))
def run_now(name: str) -> None:
    """Run one job now, regardless of its schedule."""
    click.echo(run(name, locked=False))
