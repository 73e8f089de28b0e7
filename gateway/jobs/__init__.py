"""Background jobs: a registry (name → function, interval), one runner, and the embedded scheduler.
Celery (tasks/) and `flask jobs` call the same `run`."""

from __future__ import annotations

from flask import Flask, request_started

from ..stages import stages
from .embedded import EmbeddedScheduler
from .registry import JOBS, interval
from .runner import run

__all__ = ["JOBS", "init_app", "interval", "run"]


def init_app(app: Flask) -> None:
    settings = stages(app).settings
    if settings.redis_url is None and not app.testing and not app.config.get("NO_EMBEDDED_JOBS"):
        scheduler = EmbeddedScheduler(app)
        app.extensions["gateway.scheduler"] = scheduler
        # Started by the first request, in the serving process (never in the CLI or the arbiter).
        request_started.connect(lambda sender, **_: scheduler.ensure_started(), app, weak=False)
