"""The beat schedule, as data referring to task objects; intervals from general_settings.job_schedule
(its job names were checked with the settings, against the same registry)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.jobs import JOBS


def beat_schedule(overrides: Mapping[str, float]) -> dict[str, dict[str, Any]]:
    from .jobs import TASKS

    return {
        name: {"task": TASKS[name].name, "schedule": float(overrides.get(name, job.every))}
        for name, job in JOBS.items()
    }
