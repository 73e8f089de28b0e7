"""Admission against a principal's limits (rpm, tpm, in-flight requests, budget): 429 when over.

Keys with no limits cost nothing here. With Redis, limits hold for the sum of every worker and
instance; without it (the embedded default) they hold per process. If Redis fails, limits fail
open (logged once per outage) unless `general_settings.limits_on_redis_failure: closed`."""

from __future__ import annotations

import logging
import math
import time

import redis
from flask import Flask

from ..auth.principal import Limits, Principal
from ..errors import BudgetExceeded, RateLimited, ServiceUnavailable
from ..extensions import get_redis
from ..usage import Meter, UsageEvent, add_finisher
from .limits_local import LocalLimiter
from .limits_redis import RedisLimiter

log = logging.getLogger(__name__)

MESSAGES = {
    "rpm": "Rate limit exceeded: this key's rpm_limit of {n} requests per minute is reached.",
    "tpm": "Rate limit exceeded: this key's tpm_limit of {n} tokens per minute is reached.",
    "parallel": "Rate limit exceeded: this key already has its max_parallel_requests ({n}) in flight.",
}


def limited(limits: Limits) -> bool:
    return not (
        limits.rpm_limit is None
        and limits.tpm_limit is None
        and limits.max_parallel_requests is None
        and limits.max_budget is None
    )


def estimate_tokens(raw: bytes, body: dict) -> int:
    """Tokens a request may use, for tpm admission; corrected with the real usage afterwards."""
    completion = body.get("max_completion_tokens", body.get("max_tokens"))
    extra = (
        completion
        if isinstance(completion, int) and not isinstance(completion, bool) and completion > 0
        else 0
    )
    return len(raw) // 4 + extra


def subject_of(principal: Principal) -> str:
    return principal.key_hash or f"{principal.method}:{principal.subject}"


class Admission:
    def __init__(self, app: Flask) -> None:
        client = get_redis(app)
        self.limiter: RedisLimiter | LocalLimiter = RedisLimiter(client) if client else LocalLimiter()
        self.fail_closed = app.extensions["gateway.settings"].limits_on_redis_failure == "closed"
        self._failing_since = 0.0

    def _redis_failed(self, exc: Exception) -> None:
        if not self._failing_since:
            log.warning(
                "limits: Redis unavailable (%s), failing %s",
                type(exc).__name__,
                "closed" if self.fail_closed else "open",
            )
        self._failing_since = time.monotonic()

    def admit(self, principal: Principal, raw: bytes, body: dict, meter: Meter) -> None:
        limits = principal.limits
        if not limited(limits):
            return
        subject, estimate = subject_of(principal), estimate_tokens(raw, body)
        try:
            ok, which, wait, detail = self.limiter.admit(subject, limits, meter.request_id, estimate)
        except redis.RedisError as exc:
            self._redis_failed(exc)
            if self.fail_closed:
                raise ServiceUnavailable("Limits cannot be checked right now; try again shortly.") from None
            return
        self._failing_since = 0.0
        if not ok:
            if which == "budget":
                spend, budget = float(detail), limits.max_budget
                raise BudgetExceeded(
                    f"Budget exceeded: spend {spend:.6g} has reached max_budget {budget:.6g}."
                )
            n = {"rpm": limits.rpm_limit, "tpm": limits.tpm_limit, "parallel": limits.max_parallel_requests}[
                which
            ]
            raise RateLimited(
                MESSAGES[which].format(n=n), headers={"Retry-After": str(max(1, math.ceil(wait)))}
            )
        meter.admission = (subject, limits, estimate, int(time.time() * 1000))

    def settle(self, meter: Meter, event: UsageEvent) -> None:
        """A finisher: runs when the request ends, however it ends."""
        if meter.admission is None:
            return
        subject, limits, estimate, admitted_at = meter.admission
        tokens = event.prompt_tokens + event.completion_tokens
        try:
            self.limiter.settle(subject, limits, meter.request_id, admitted_at, estimate, tokens, event.cost)
        except redis.RedisError as exc:
            self._redis_failed(exc)  # the lease expires on its own; the budget catches up at the flush


def init_app(app: Flask) -> None:
    admission = Admission(app)
    app.extensions["gateway.limits"] = admission
    add_finisher(app, admission.settle)
