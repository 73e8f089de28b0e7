"""The beat schedule, as data referring to task objects; intervals from general_settings.job_schedule."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.jobs import JOBS


def beat_schedule(overrides: Mapping[str, float]) -> dict[str, dict[str, Any]]:
    from .jobs import TASKS

    unknown = set(overrides) - set(JOBS)
    if unknown:
        raise ValueError(f"unknown job in general_settings.job_schedule: {sorted(unknown)[0]}")
    return {
        name: {"task": TASKS[name].name, "schedule": float(overrides.get(name, job.every))}
        for name, job in JOBS.items()
    }
