"""The same limits in process memory, for the embedded default (no Redis): exact per process."""

from __future__ import annotations

import threading
import time
from collections import deque

from ..values import Limits

WINDOW = 60.0
LEASE = 15 * 60.0
MAX_SUBJECTS = 100_000  # bounded: the oldest subjects' counters are forgotten beyond this


class LocalLimiter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rpm: dict[str, deque[float]] = {}
        self._tpm: dict[tuple[str, int], int] = {}
        self._inflight: dict[str, dict[str, float]] = {}
        self._spend: dict[str, float] = {}
        self._held: dict[str, dict[str, tuple[float, float]]] = {}  # request id -> (cost, until)

    def _trim(self) -> None:
        for table in (self._rpm, self._inflight, self._spend, self._held):
            while len(table) > MAX_SUBJECTS:
                table.pop(next(iter(table)))
        minute = int(time.time() // WINDOW)
        for key in [k for k in self._tpm if k[1] < minute - 1]:
            del self._tpm[key]

    def admit(
        self, subject: str, limits: Limits, request_id: str, estimate: int, cost: float = 0.0
    ) -> tuple[bool, str, float, str]:
        now = time.time()
        minute = int(now // WINDOW)
        with self._lock:
            self._trim()
            held = self._held.setdefault(subject, {})
            if limits.max_budget is not None:
                spend = self._spend.setdefault(subject, limits.spend)
                for rid in [r for r, (_, until) in held.items() if until <= now]:
                    del held[rid]
                reserved = sum(c for c, _ in held.values())
                if spend + reserved >= limits.max_budget:
                    return False, "budget", 0.0, f"{spend!r}:{reserved!r}"
            log = self._rpm.setdefault(subject, deque())
            while log and log[0] <= now - WINDOW:
                log.popleft()
            if limits.rpm_limit is not None and len(log) >= limits.rpm_limit:
                return False, "rpm", log[0] + WINDOW - now if log else 1.0, ""
            used = self._tpm.get((subject, minute), 0)
            if limits.tpm_limit is not None and used + estimate > limits.tpm_limit:
                return False, "tpm", WINDOW - now % WINDOW, str(used)
            leases = self._inflight.setdefault(subject, {})
            for rid in [r for r, until in leases.items() if until <= now]:
                del leases[rid]
            if limits.max_parallel_requests is not None and len(leases) >= limits.max_parallel_requests:
                return False, "parallel", 1.0, ""
            if limits.rpm_limit is not None:
                log.append(now)
            if limits.tpm_limit is not None:
                self._tpm[(subject, minute)] = used + estimate
            if limits.max_parallel_requests is not None:
                leases[request_id] = now + LEASE
            if limits.max_budget is not None and cost > 0:
                held[request_id] = (cost, now + LEASE)
            return True, "", 0.0, ""

    def settle(
        self,
        subject: str,
        limits: Limits,
        request_id: str,
        admitted_at_ms: int,
        estimate: int,
        tokens: int,
        cost: float,
    ) -> None:
        with self._lock:
            self._inflight.get(subject, {}).pop(request_id, None)
            self._held.get(subject, {}).pop(request_id, None)
            if limits.tpm_limit is not None:
                key = (subject, admitted_at_ms // 60_000)
                self._tpm[key] = self._tpm.get(key, 0) + tokens - estimate
            if limits.max_budget is not None and cost:
                self._spend[subject] = self._spend.get(subject, limits.spend) + cost

    def reset_budget(self, subject: str) -> None:
        with self._lock:
            self._spend[subject] = 0.0
