"""Limits in Redis, exact across every worker and instance: one Lua call admits a request against
every level it belongs to (key, user, team, member, organization, customer, and per model on
keys and teams): rpm as a sliding 60 s log, tpm as a minute window, in-flight requests as
expiring leases, spend plus the reserved cost of requests in flight against the budget. Every
level is checked before any is charged, so a refusal at one level costs the others nothing.

A limited request makes one round trip. What it used is settled (its slots freed, its tokens and
cost corrected from the estimate) by the same call that admits this process's next request, or,
when none comes, by a background call at most `SETTLE_WINDOW` later: to every other caller the
request simply lasted that much longer, so every limit stays exact. A refusal that a settlement
on its way could lift (budget, tpm, parallel; not rpm) is asked again once after
`CONFIRM_AFTER`, so a client whose last request just ended on another worker is not refused for
a slot that is being given back."""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Sequence

import orjson
import redis

from .. import forks
from ..redis_failures import RedisFailures
from ..values import Limits
from .script_call import ScriptCall

WINDOW_MS = 60_000
LEASE_MS = 15 * 60_000  # a crashed process's in-flight slot comes back after this
BUDGET_TTL = 7 * 86_400
SETTLE_WINDOW = 0.005  # seconds a settlement may wait for the next admission to carry it
CONFIRM_AFTER = 0.025  # seconds before a refusal a settlement could lift is asked again
log = logging.getLogger(__name__)
MAX_PENDING = 10_000  # settlements kept while Redis is away; older ones are dropped (leases lapse)

# One argument, JSON: [now_ms, request id, lease_ms, tokens estimate, minute,
#   levels: [[subject, rpm, tpm, parallel, budget (-1: none), spend seed, cost held], ...],
#   settlements: [[request id, minute admitted, tokens - estimate, cost, ttl,
#                  [[subject, lease, window, budget, held (1/0)], ...]], ...]]
# Settlements are applied first, then the request (if it names any level) is admitted. Money
# travels as text, so INCRBYFLOAT and the seed keep every digit. The keys are named here rather
# than passed: every level of a request is one subject, and the script runs on one Redis.
# Reservations: a hash of request id -> "cost:expiry_ms". A request is refused when spend plus the
# cost reserved by requests still in flight has reached the budget (>=, at every level), so
# concurrent requests cannot all pass on the same stale spend; a crashed process's reservation
# lapses with its lease.
# Returns {1} or {0, which, wait_ms, detail, level index (1-based)}.
_ADMIT = """
local req = cjson.decode(ARGV[1])
for _, s in ipairs(req[7]) do
  local rid, minute, delta, cost, ttl = s[1], s[2], s[3], s[4], s[5]
  for _, l in ipairs(s[6]) do
    local subject = l[1]
    if l[2] == 1 then redis.call('ZREM', 'gw:rl:par:' .. subject, rid) end
    if l[3] == 1 and delta ~= 0 then redis.call('INCRBY', 'gw:rl:tpm:' .. subject .. ':' .. minute, delta) end
    if l[4] == 1 then
      if l[5] == 1 then redis.call('HDEL', 'gw:budget:held:' .. subject, rid) end
      if tonumber(cost) ~= 0 then
        redis.call('INCRBYFLOAT', 'gw:budget:' .. subject, cost)
        redis.call('EXPIRE', 'gw:budget:' .. subject, ttl)
      end
    end
  end
end
local now, rid, lease, est, minute, levels = req[1], req[2], req[3], req[4], req[5], req[6]
for i, l in ipairs(levels) do
  local subject, rpm, tpm, par, budget = l[1], l[2], l[3], l[4], l[5]
  if budget >= 0 then
    local key = 'gw:budget:' .. subject
    local spend = redis.call('GET', key)
    if not spend then
      spend = l[6]
      redis.call('SET', key, spend, 'EX', 604800, 'NX')
    end
    local held, hkey = 0, 'gw:budget:held:' .. subject
    local res = redis.call('HGETALL', hkey)
    for j = 1, #res, 2 do
      local c, until_ms = string.match(res[j + 1], '^([^:]+):(.+)$')
      if tonumber(until_ms) <= now then redis.call('HDEL', hkey, res[j])
      else held = held + tonumber(c) end
    end
    if tonumber(spend) + held >= budget then return {0, 'budget', 0, tostring(spend) .. ':' .. held, i} end
  end
  if rpm >= 0 then
    local key = 'gw:rl:rpm:' .. subject
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - 60000)
    if redis.call('ZCARD', key) >= rpm then
      local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
      local wait = 1000
      if oldest[2] then wait = tonumber(oldest[2]) + 60000 - now end
      return {0, 'rpm', wait, '', i}
    end
  end
  if tpm >= 0 then
    local used = tonumber(redis.call('GET', 'gw:rl:tpm:' .. subject .. ':' .. minute) or '0')
    if used + est > tpm then return {0, 'tpm', 60000 - (now % 60000), tostring(used), i} end
  end
  if par >= 0 then
    local key = 'gw:rl:par:' .. subject
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
    if redis.call('ZCARD', key) >= par then return {0, 'parallel', 1000, '', i} end
  end
end
for _, l in ipairs(levels) do
  local subject, rpm, tpm, par, budget, cost = l[1], l[2], l[3], l[4], l[5], l[7]
  if rpm >= 0 then
    redis.call('ZADD', 'gw:rl:rpm:' .. subject, now, rid)
    redis.call('PEXPIRE', 'gw:rl:rpm:' .. subject, 60000)
  end
  if tpm >= 0 then
    local key = 'gw:rl:tpm:' .. subject .. ':' .. minute
    redis.call('INCRBY', key, est)
    redis.call('PEXPIRE', key, 120000)
  end
  if par >= 0 then
    redis.call('ZADD', 'gw:rl:par:' .. subject, now + lease, rid)
    redis.call('PEXPIRE', 'gw:rl:par:' .. subject, lease)
  end
  if budget >= 0 and tonumber(cost) > 0 then
    local key = 'gw:budget:held:' .. subject
    redis.call('HSET', key, rid, cost .. ':' .. (now + lease))
    redis.call('PEXPIRE', key, lease)
  end
end
return {1, '', 0, '', 0}
"""

# What admission reads per level: (subject, its limits, the cost held against its budget).
Item = tuple[str, Limits, float]
# Refusals a settlement still on its way could lift (rpm counts admissions, not what they used).
SETTLED_BY = frozenset({"budget", "tpm", "parallel"})


def _or_none(value: float | int | None) -> float | int:
    return -1 if value is None else value


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class RedisLimiter:
    def __init__(self, client: redis.Redis) -> None:
        self._r = client
        self._script = ScriptCall(client, _ADMIT)
        self._closed = False
        self._at_exit = False
        self.settle_failures = RedisFailures("limits", "settlements dropped (leases lapse on their own)")
        self._after_fork()
        forks.on_fork(self._after_fork)

    def _after_fork(self) -> None:
        # The parent's pending settlements are the parent's to send; its flusher does not exist here.
        self._pending: list[list] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._flusher: threading.Thread | None = None

    def _take(self) -> list[list]:
        with self._lock:
            pending, self._pending = self._pending, []
        return pending

    def _call(self, now: int, request_id: str, estimate: int, levels: list, pending: list) -> list:
        payload = [now, request_id, LEASE_MS, estimate, now // WINDOW_MS, levels, pending]
        return self._script(orjson.dumps(payload))

    def admit(
        self, items: Sequence[Item], request_id: str, estimate: int
    ) -> tuple[bool, str, float, str, int]:
        """(allowed, which limit, retry after in seconds, detail, index of the refusing item).
        Each item's cost is held against its budget until the request settles; this process's
        pending settlements go first, in the same call. Raises RedisError (the settlements it
        carried are then dropped, as a failed settlement always was: leases lapse on their own)."""
        levels = [
            [subject, _or_none(limits.rpm_limit), _or_none(limits.tpm_limit),
             _or_none(limits.max_parallel_requests), _or_none(limits.max_budget),
             repr(float(limits.spend)), repr(float(cost))]
            for subject, limits, cost in items
        ]  # fmt: skip
        ok, which, wait_ms, detail, index = self._call(
            int(time.time() * 1000), request_id, estimate, levels, self._take()
        )
        which = _text(which)
        if not ok and which in SETTLED_BY:
            # Another worker's settlement may be on its way (at most SETTLE_WINDOW): ask once more.
            time.sleep(CONFIRM_AFTER)
            ok, which, wait_ms, detail, index = self._call(
                int(time.time() * 1000), request_id, estimate, levels, self._take()
            )
            which = _text(which)
        return bool(ok), which, int(wait_ms) / 1000, _text(detail), int(index) - 1

    def settle(
        self,
        items: Sequence[Item],
        request_id: str,
        admitted_at_ms: int,
        estimate: int,
        tokens: int,
        cost: float,
    ) -> None:
        """Queue the request's settlement (its slots, its tokens estimate corrected, its cost, at
        every level): the next admission carries it, or the flusher within SETTLE_WINDOW. Nothing
        is queued when no level has anything to settle."""
        delta = tokens - estimate
        levels = []
        for subject, limits, held in items:
            lease = limits.max_parallel_requests is not None
            window = limits.tpm_limit is not None and delta != 0
            budget = limits.max_budget is not None and (held > 0 or cost != 0)
            if lease or window or budget:
                levels.append([subject, int(lease), int(window), int(budget), int(held > 0)])
        if not levels:
            return
        entry = [request_id, admitted_at_ms // WINDOW_MS, delta, repr(float(cost)), BUDGET_TTL, levels]
        with self._lock:
            if len(self._pending) >= MAX_PENDING:
                del self._pending[0]
            self._pending.append(entry)
            started = self._flusher is not None
        if not started:
            self._start()
        self._wake.set()

    def flush(self) -> None:
        """Send every pending settlement now (one call)."""
        pending = self._take()
        if not pending:
            return
        try:
            self._call(int(time.time() * 1000), "", estimate=0, levels=[], pending=pending)
        except redis.RedisError as exc:
            self.settle_failures.failed(exc, "settle", skip=True)
            return
        self.settle_failures.ok()

    def _start(self) -> None:
        with self._lock:
            if self._flusher is not None:
                return
            self._flusher = threading.Thread(target=self._run, name="limits-settler", daemon=True)
            self._flusher.start()
            if not self._at_exit:  # once: a child inherits its parent's exit handlers
                self._at_exit = True
                atexit.register(self.close)

    def _run(self) -> None:
        while not self._closed:
            self._wake.wait()
            self._wake.clear()
            time.sleep(SETTLE_WINDOW)  # meanwhile an admission may carry them
            try:
                self.flush()
            except Exception:  # the flusher must outlive a bug: admissions still carry the rest
                log.exception("settling limits failed")
            if self.settle_failures.failing:
                time.sleep(1.0)

    def close(self) -> None:
        """Send what is pending, stop the flusher and close the connections (shutdown, tests)."""
        self._closed = True
        self._wake.set()
        self.flush()
        self._script.close()

    def reset_budget(self, subject: str) -> None:
        self._r.set(f"gw:budget:{subject}", "0", ex=BUDGET_TTL)
