"""Concurrent clients on keep-alive connections, requesting until stopped: load for the fault tests."""

from __future__ import annotations

import http.client
import threading
import time
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Outcome:
    statuses: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)  # exceptions: the connection broke, a timeout
    latencies: list[float] = field(default_factory=list)
    timeline: list[tuple[float, int]] = field(default_factory=list)  # (monotonic time, status)

    @property
    def total(self) -> int:
        return sum(self.statuses.values())

    def quantile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


class Load:
    def __init__(
        self,
        port: int,
        path: str,
        body: bytes | None,
        headers: dict[str, str],
        clients: int = 8,
        timeout: float = 15.0,
    ) -> None:
        self.port, self.path, self.body, self.headers = port, path, body, headers
        self.clients, self.timeout = clients, timeout
        self.outcome = Outcome()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> Load:
        for _ in range(self.clients):
            t = threading.Thread(target=self._run, daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def _run(self) -> None:
        conn: http.client.HTTPConnection | None = None
        method = "POST" if self.body is not None else "GET"
        while not self._stop.is_set():
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            start = time.monotonic()
            try:
                conn.request(method, self.path, self.body, self.headers)
                resp = conn.getresponse()
                resp.read()
                status = resp.status
            except (OSError, http.client.HTTPException) as exc:
                with self._lock:
                    self.outcome.errors.append(f"{type(exc).__name__}: {exc}")
                conn.close()
                conn = None
                time.sleep(0.01)
                continue
            now = time.monotonic()
            with self._lock:
                self.outcome.statuses[status] += 1
                self.outcome.latencies.append(now - start)
                self.outcome.timeline.append((now, status))
        if conn is not None:
            conn.close()

    def stop(self) -> Outcome:
        self._stop.set()
        for t in self._threads:
            t.join(self.timeout + 5)
        return self.outcome
