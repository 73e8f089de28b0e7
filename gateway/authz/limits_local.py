"""The same limits in process memory, for the embedded default (no Redis): exact per process.
Every level is checked before any is charged, as the Redis script does."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Sequence

from ..values import Limits

WINDOW = 60.0
LEASE = 15 * 60.0
MAX_SUBJECTS = 100_000  # bounded: the oldest subjects' counters are forgotten beyond this

Item = tuple[str, Limits, float]  # (subject, its limits, the cost held against its budget)


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

    def _refusal(
        self, subject: str, limits: Limits, now: float, minute: int, estimate: int
    ) -> tuple[str, float, str] | None:
        held = self._held.setdefault(subject, {})
        if limits.max_budget is not None:
            spend = self._spend.setdefault(subject, limits.spend)
            for rid in [r for r, (_, until) in held.items() if until <= now]:
                del held[rid]
            reserved = sum(c for c, _ in held.values())
            if spend + reserved >= limits.max_budget:
                return "budget", 0.0, f"{spend!r}:{reserved!r}"
        log = self._rpm.setdefault(subject, deque())
        while log and log[0] <= now - WINDOW:
            log.popleft()
        if limits.rpm_limit is not None and len(log) >= limits.rpm_limit:
            return "rpm", log[0] + WINDOW - now if log else 1.0, ""
        used = self._tpm.get((subject, minute), 0)
        if limits.tpm_limit is not None and used + estimate > limits.tpm_limit:
            return "tpm", WINDOW - now % WINDOW, str(used)
        leases = self._inflight.setdefault(subject, {})
        for rid in [r for r, until in leases.items() if until <= now]:
            del leases[rid]
        if limits.max_parallel_requests is not None and len(leases) >= limits.max_parallel_requests:
            return "parallel", 1.0, ""
        return None

    def admit(
        self, items: Sequence[Item], request_id: str, estimate: int
    ) -> tuple[bool, str, float, str, int]:
        now = time.time()
        minute = int(now // WINDOW)
        with self._lock:
            self._trim()
            for index, (subject, limits, _) in enumerate(items):
                refused = self._refusal(subject, limits, now, minute, estimate)
                if refused is not None:
                    return False, refused[0], refused[1], refused[2], index
            for subject, limits, cost in items:
                if limits.rpm_limit is not None:
                    self._rpm[subject].append(now)
                if limits.tpm_limit is not None:
                    self._tpm[(subject, minute)] = self._tpm.get((subject, minute), 0) + estimate
                if limits.max_parallel_requests is not None:
                    self._inflight[subject][request_id] = now + LEASE
                if limits.max_budget is not None and cost > 0:
                    self._held[subject][request_id] = (cost, now + LEASE)
            return True, "", 0.0, "", -1

    def settle(
        self,
        items: Sequence[Item],
        request_id: str,
        admitted_at_ms: int,
        estimate: int,
        tokens: int,
        cost: float,
    ) -> None:
        with self._lock:
            for subject, limits, _ in items:
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
