"""The beat schedule, as data referring to task objects; each interval overridable in config."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# job name → (task's import path, default interval in seconds)
JOBS: dict[str, tuple[str, float]] = {
    "heartbeat": ("tasks.heartbeat.heartbeat", 300.0),
}


def beat_schedule(overrides: Mapping[str, float]) -> dict[str, dict[str, Any]]:
    unknown = set(overrides) - set(JOBS)
    if unknown:
        raise ValueError(f"unknown job in JOB_SCHEDULE: {sorted(unknown)[0]}")
    return {
        name: {"task": task, "schedule": float(overrides.get(name, every))}
        for name, (task, every) in JOBS.items()
    }
