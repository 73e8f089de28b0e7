"""The embedded default has no beat: one thread in the web process runs the schedule itself."""

from __future__ import annotations

import logging
import os
import threading
import time

from flask import Flask

from .registry import JOBS, interval
from .runner import run

log = logging.getLogger(__name__)


class EmbeddedScheduler:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self._pid = 0
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}

    def ensure_started(self) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
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
        while self._pid == os.getpid():
            try:
                self.tick()
            except Exception:
                log.exception("embedded job scheduler")
            time.sleep(1.0)
