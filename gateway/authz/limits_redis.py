"""Limits in Redis, exact across every worker and instance: one Lua call admits a request against
every level it belongs to (key, user, team, member, organization, customer, and per model on
keys and teams): rpm as a sliding 60 s log, tpm as a minute window, in-flight requests as
expiring leases, spend plus the reserved cost of requests in flight against the budget. Every
level is checked before any is charged, so a refusal at one level costs the others nothing.
One pipeline settles the request when it ends."""

from __future__ import annotations

import time
from collections.abc import Sequence

import redis

from ..values import Limits

WINDOW_MS = 60_000
LEASE_MS = 15 * 60_000  # a crashed process's in-flight slot comes back after this
BUDGET_TTL = 7 * 86_400
PER_SUBJECT_KEYS, PER_SUBJECT_ARGS = 5, 6

# KEYS: per subject: rpm log, tpm window, in-flight leases, spend, budget reservations
# ARGV: now_ms, request id, lease_ms, tokens estimate; then per subject: rpm, tpm, parallel,
#       budget, spend seed, cost estimate (-1: no limit)
# Reservations: a hash of request id -> "cost:expiry_ms". A request is refused when spend plus the
# cost reserved by requests still in flight has reached the budget (>=, at every level), so
# concurrent requests cannot all pass on the same stale spend; a crashed process's reservation
# lapses with its lease.
# Returns {1} or {0, which, wait_ms, detail, subject index (1-based)}.
_ADMIT = """
local now, lease, est = tonumber(ARGV[1]), tonumber(ARGV[3]), tonumber(ARGV[4])
local n = #KEYS / 5
for i = 1, n do
  local k, a = (i - 1) * 5, 4 + (i - 1) * 6
  local rpm, tpm, par = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  local budget = tonumber(ARGV[a + 4])
  if budget >= 0 then
    local spend = redis.call('GET', KEYS[k + 4])
    if not spend then
      spend = ARGV[a + 5]
      redis.call('SET', KEYS[k + 4], spend, 'EX', 604800, 'NX')
    end
    local held = 0
    local res = redis.call('HGETALL', KEYS[k + 5])
    for j = 1, #res, 2 do
      local c, until_ms = string.match(res[j + 1], '^([^:]+):(.+)$')
      if tonumber(until_ms) <= now then redis.call('HDEL', KEYS[k + 5], res[j])
      else held = held + tonumber(c) end
    end
    if tonumber(spend) + held >= budget then return {0, 'budget', 0, tostring(spend) .. ':' .. held, i} end
  end
  if rpm >= 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[k + 1], '-inf', now - 60000)
    if redis.call('ZCARD', KEYS[k + 1]) >= rpm then
      local oldest = redis.call('ZRANGE', KEYS[k + 1], 0, 0, 'WITHSCORES')
      local wait = 1000
      if oldest[2] then wait = tonumber(oldest[2]) + 60000 - now end
      return {0, 'rpm', wait, '', i}
    end
  end
  if tpm >= 0 then
    local used = tonumber(redis.call('GET', KEYS[k + 2]) or '0')
    if used + est > tpm then return {0, 'tpm', 60000 - (now % 60000), tostring(used), i} end
  end
  if par >= 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[k + 3], '-inf', now)
    if redis.call('ZCARD', KEYS[k + 3]) >= par then return {0, 'parallel', 1000, '', i} end
  end
end
for i = 1, n do
  local k, a = (i - 1) * 5, 4 + (i - 1) * 6
  local rpm, tpm, par = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  local budget, cost = tonumber(ARGV[a + 4]), tonumber(ARGV[a + 6])
  if rpm >= 0 then
    redis.call('ZADD', KEYS[k + 1], now, ARGV[2])
    redis.call('PEXPIRE', KEYS[k + 1], 60000)
  end
  if tpm >= 0 then
    redis.call('INCRBY', KEYS[k + 2], est)
    redis.call('PEXPIRE', KEYS[k + 2], 120000)
  end
  if par >= 0 then
    redis.call('ZADD', KEYS[k + 3], now + lease, ARGV[2])
    redis.call('PEXPIRE', KEYS[k + 3], lease)
  end
  if budget >= 0 and cost > 0 then
    redis.call('HSET', KEYS[k + 5], ARGV[2], ARGV[a + 6] .. ':' .. (now + lease))
    redis.call('PEXPIRE', KEYS[k + 5], lease)
  end
end
return {1, '', 0, '', 0}
"""

# Settlement, one call for every level (cheaper for the gateway than a pipeline of commands).
# KEYS: per subject, as _ADMIT's. ARGV: request id, tokens - estimate, cost, budget TTL; then per
# subject 4 flags (1/0): in-flight lease, tpm window, budget, a reservation was held.
_SETTLE = """
local rid, delta, cost, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
for i = 1, #KEYS / 5 do
  local k, a = (i - 1) * 5, 4 + (i - 1) * 4
  if ARGV[a + 1] == '1' then redis.call('ZREM', KEYS[k + 3], rid) end
  if ARGV[a + 2] == '1' and delta ~= 0 then redis.call('INCRBY', KEYS[k + 2], delta) end
  if ARGV[a + 3] == '1' then
    if ARGV[a + 4] == '1' then redis.call('HDEL', KEYS[k + 5], rid) end
    if cost ~= 0 then
      redis.call('INCRBYFLOAT', KEYS[k + 4], ARGV[3])
      redis.call('EXPIRE', KEYS[k + 4], ttl)
    end
  end
end
return 1
"""

# What admission reads per level: (subject, its limits, the cost held against its budget).
Item = tuple[str, Limits, float]


def _keys(subject: str, minute: int) -> list[str]:
    return [
        f"gw:rl:rpm:{subject}",
        f"gw:rl:tpm:{subject}:{minute}",
        f"gw:rl:par:{subject}",
        f"gw:budget:{subject}",
        f"gw:budget:held:{subject}",
    ]


def _or_none(value: float | int | None) -> float | int:
    return -1 if value is None else value


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class RedisLimiter:
    def __init__(self, client: redis.Redis) -> None:
        self._r = client
        self._admit = client.register_script(_ADMIT)
        self._settle = client.register_script(_SETTLE)

    def admit(
        self, items: Sequence[Item], request_id: str, estimate: int
    ) -> tuple[bool, str, float, str, int]:
        """(allowed, which limit, retry after in seconds, detail, index of the refusing item).
        Each item's cost is held against its budget until the request settles. Raises RedisError."""
        now = int(time.time() * 1000)
        minute = now // WINDOW_MS
        keys: list[str] = []
        args: list[object] = [now, request_id, LEASE_MS, estimate]
        for subject, limits, cost in items:
            keys += _keys(subject, minute)
            args += [
                _or_none(limits.rpm_limit), _or_none(limits.tpm_limit),
                _or_none(limits.max_parallel_requests), _or_none(limits.max_budget),
                repr(limits.spend), repr(float(cost)),
            ]  # fmt: skip
        ok, which, wait_ms, detail, index = self._admit(keys=keys, args=args)
        return bool(ok), _text(which), int(wait_ms) / 1000, _text(detail), int(index) - 1

    def settle(
        self,
        items: Sequence[Item],
        request_id: str,
        admitted_at_ms: int,
        estimate: int,
        tokens: int,
        cost: float,
    ) -> None:
        """Release the slots, correct the tokens estimate, add the cost, at every level (one round
        trip, one script; nothing is sent when no level has anything to settle)."""
        delta = tokens - estimate
        keys: list[str] = []
        args: list[object] = [request_id, delta, repr(float(cost)), BUDGET_TTL]
        for subject, limits, held in items:
            lease = limits.max_parallel_requests is not None
            window = limits.tpm_limit is not None and delta != 0
            budget = limits.max_budget is not None and (held > 0 or cost != 0)
            if not (lease or window or budget):
                continue
            keys += _keys(subject, admitted_at_ms // WINDOW_MS)
            args += [int(lease), int(window), int(budget), int(held > 0)]
        if keys:
            self._settle(keys=keys, args=args)

    def reset_budget(self, subject: str) -> None:
        self._r.set(f"gw:budget:{subject}", "0", ex=BUDGET_TTL)
