"""The embedded default has no beat: one thread in the web process runs the schedule itself."""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask

from .. import forks
from .registry import JOBS, interval
from .runner import run

log = logging.getLogger(__name__)


class EmbeddedScheduler:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self._next: dict[str, float] = {}
        self._after_fork()
        forks.on_fork(self._after_fork)

    def _after_fork(self) -> None:
        # The parent's scheduler thread does not exist in a child: the child starts its own.
        self._started = False
        self._lock = threading.Lock()

    def ensure_started(self) -> None:
        if self._started:
            return
        with self._lock:
            if self._started:
                return
            self._started = True
            threading.Thread(target=self._loop, name="embedded-jobs", daemon=True).start()

    def tick(self) -> list[str]:
        """Run every job that is due; returns their names."""
        now = time.monotonic()
        ran = []
        with self.app.app_context():
            for name in JOBS:
                # First runs come one interval after start, not all at once on the first request.
                if self._next.setdefault(name, now + interval(name)) <= now:
                    self._next[name] = now + interval(name)
                    run(name, locked=False)
                    ran.append(name)
        return ran

    def _loop(self) -> None:
        while True:
            try:
                self.tick()
            except Exception:
                log.exception("embedded job scheduler")
            time.sleep(1.0)
