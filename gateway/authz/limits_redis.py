"""Per-key limits in Redis, exact across every worker and instance: one Lua call admits a request
(rpm as a sliding 60 s log, tpm as a minute window, in-flight requests as expiring leases,
spend plus the reserved cost of requests in flight against the budget); one pipeline settles it
when it ends."""

from __future__ import annotations

import time

import redis

from ..values import Limits

WINDOW_MS = 60_000
LEASE_MS = 15 * 60_000  # a crashed process's in-flight slot comes back after this
BUDGET_TTL = 7 * 86_400

# KEYS: rpm log, tpm window, in-flight leases, spend, budget reservations
# ARGV: now_ms, request id, rpm, tpm, tokens estimate, parallel, lease_ms, budget, spend seed,
#       cost estimate (-1: no limit)
# Reservations: a hash of request id -> "cost:expiry_ms". A request is refused when spend plus the
# cost reserved by requests still in flight has reached the budget, so concurrent requests cannot
# all pass on the same stale spend; a crashed process's reservation lapses with its lease.
_ADMIT = """
local now = tonumber(ARGV[1])
local rpm, tpm, est = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local par, lease, budget = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local cost = tonumber(ARGV[10])
if budget >= 0 then
  local spend = redis.call('GET', KEYS[4])
  if not spend then
    spend = ARGV[9]
    redis.call('SET', KEYS[4], spend, 'EX', 604800, 'NX')
  end
  local held = 0
  local res = redis.call('HGETALL', KEYS[5])
  for i = 1, #res, 2 do
    local c, until_ms = string.match(res[i + 1], '^([^:]+):(.+)$')
    if tonumber(until_ms) <= now then redis.call('HDEL', KEYS[5], res[i]) else held = held + tonumber(c) end
  end
  if tonumber(spend) + held >= budget then return {0, 'budget', 0, tostring(spend) .. ':' .. held} end
end
if rpm >= 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 60000)
  if redis.call('ZCARD', KEYS[1]) >= rpm then
    local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    local wait = 1000
    if oldest[2] then wait = tonumber(oldest[2]) + 60000 - now end
    return {0, 'rpm', wait, ''}
  end
end
if tpm >= 0 then
  local used = tonumber(redis.call('GET', KEYS[2]) or '0')
  if used + est > tpm then return {0, 'tpm', 60000 - (now % 60000), tostring(used)} end
end
if par >= 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  if redis.call('ZCARD', KEYS[3]) >= par then return {0, 'parallel', 1000, ''} end
end
if rpm >= 0 then
  redis.call('ZADD', KEYS[1], now, ARGV[2])
  redis.call('PEXPIRE', KEYS[1], 60000)
end
if tpm >= 0 then
  redis.call('INCRBY', KEYS[2], est)
  redis.call('PEXPIRE', KEYS[2], 120000)
end
if par >= 0 then
  redis.call('ZADD', KEYS[3], now + lease, ARGV[2])
  redis.call('PEXPIRE', KEYS[3], lease)
end
if budget >= 0 and cost > 0 then
  redis.call('HSET', KEYS[5], ARGV[2], ARGV[10] .. ':' .. (now + lease))
  redis.call('PEXPIRE', KEYS[5], lease)
end
return {1, '', 0, ''}
"""


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


class RedisLimiter:
    def __init__(self, client: redis.Redis) -> None:
        self._r = client
        self._admit = client.register_script(_ADMIT)

    def admit(
        self, subject: str, limits: Limits, request_id: str, estimate: int, cost: float = 0.0
    ) -> tuple[bool, str, float, str]:
        """(allowed, which limit, retry after in seconds, detail). `cost` is the request's
        estimated cost, held against the budget until it settles. Raises RedisError."""
        now = int(time.time() * 1000)
        ok, which, wait_ms, detail = self._admit(
            keys=_keys(subject, now // WINDOW_MS),
            args=[
                now, request_id, _or_none(limits.rpm_limit), _or_none(limits.tpm_limit), estimate,
                _or_none(limits.max_parallel_requests), LEASE_MS, _or_none(limits.max_budget),
                repr(limits.spend), repr(float(cost)),
            ],
        )  # fmt: skip
        return (
            bool(ok),
            which.decode() if isinstance(which, bytes) else which,
            int(wait_ms) / 1000,
            (detail.decode() if isinstance(detail, bytes) else detail),
        )

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
        """Release the slot, correct the tokens estimate, add the cost (one round trip)."""
        keys = _keys(subject, admitted_at_ms // WINDOW_MS)
        pipe = self._r.pipeline(transaction=False)
        if limits.max_parallel_requests is not None:
            pipe.zrem(keys[2], request_id)
        if limits.tpm_limit is not None and tokens != estimate:
            pipe.incrby(keys[1], tokens - estimate)
        if limits.max_budget is not None:
            pipe.hdel(keys[4], request_id)
            if cost:
                pipe.incrbyfloat(keys[3], cost)
                pipe.expire(keys[3], BUDGET_TTL)
        if pipe:
            pipe.execute()

    def reset_budget(self, subject: str) -> None:
        self._r.set(f"gw:budget:{subject}", "0", ex=BUDGET_TTL)
