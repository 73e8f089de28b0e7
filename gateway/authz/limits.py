"""Admission against a principal's limits (rpm, tpm, in-flight requests, budget): 429 when over.

Keys with no limits cost nothing here. With Redis, limits hold for the sum of every worker and
instance; without it (the embedded default) they hold per process. If Redis fails, limits fail
open (logged once per outage) unless `general_settings.limits_on_redis_failure: closed`."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable

import redis
from flask import Flask

from ..auth.principal import Limits, Principal
from ..errors import BudgetExceeded, RateLimited, ServiceUnavailable
from ..extensions import get_redis
from ..redis_failures import RedisFailures
from ..settings import Deployment
from ..usage import Meter, UsageEvent, add_finisher
from .limits_local import LocalLimiter
from .limits_redis import RedisLimiter

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


def _completion_cap(body: dict) -> int:
    completion = body.get("max_completion_tokens", body.get("max_tokens"))
    ok = isinstance(completion, int) and not isinstance(completion, bool) and completion > 0
    return completion if ok else 0


def estimate_tokens(raw: bytes, body: dict) -> int:
    """Tokens a request may use, for tpm admission; corrected with the real usage afterwards."""
    return len(raw) // 4 + _completion_cap(body)


Prices = dict[str, tuple[float, float]]


def model_prices(deployments: Iterable[Deployment]) -> Prices:
    """Per model name, the highest input and output price among its deployments: the shuffle may
    pick any of them, so a reservation assumes the dearest."""
    prices: Prices = {}
    for d in deployments:
        pin, pout = prices.get(d.model_name, (0.0, 0.0))
        prices[d.model_name] = (max(pin, d.input_cost_per_token), max(pout, d.output_cost_per_token))
    return prices


def estimate_cost(prices: Prices, model: str, raw: bytes, body: dict) -> float:
    """What a request is held to cost against a budget while it runs: the prompt estimated from
    the body's size, the completion at its `max_tokens` (0 when the request sets none)."""
    pin, pout = prices.get(model, (0.0, 0.0))
    return (len(raw) // 4) * pin + _completion_cap(body) * pout


def budget_message(detail: str, budget: float | None) -> str:
    """`detail` is "spend:held", held being the cost reserved by requests still in flight."""
    spend, _, held = detail.partition(":")
    message = f"Budget exceeded: spend {float(spend):.6g}"
    if held and float(held) > 0:
        message += f" plus {float(held):.6g} held by requests in flight"
    return message + f" has reached max_budget {budget or 0:.6g}."


def subject_of(principal: Principal) -> str:
    return principal.key_hash or f"{principal.method}:{principal.subject}"


class Admission:
    def __init__(self, app: Flask) -> None:
        client = get_redis(app)
        self.limiter: RedisLimiter | LocalLimiter = RedisLimiter(client) if client else LocalLimiter()
        settings = app.extensions["gateway.settings"]
        closed = settings.limits_on_redis_failure == "closed"
        self.prices = model_prices(settings.deployments)
        self.failures = RedisFailures(
            "limits",
            "failing closed" if closed else "failing open",
            fail_with=_unavailable if closed else None,
        )

    def admit(self, principal: Principal, raw: bytes, body: dict, meter: Meter) -> None:
        limits = principal.limits
        if not limited(limits):
            return
        subject, estimate = subject_of(principal), estimate_tokens(raw, body)
        cost = estimate_cost(self.prices, meter.model, raw, body) if limits.max_budget is not None else 0.0
        try:
            ok, which, wait, detail = self.limiter.admit(subject, limits, meter.request_id, estimate, cost)
        except redis.RedisError as exc:
            self.failures.failed(exc, "admit")  # raises when failing closed
            return
        self.failures.ok()
        if not ok:
            if which == "budget":
                raise BudgetExceeded(budget_message(detail, limits.max_budget))
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
            # Never raised here: the lease expires on its own; the budget catches up at the flush.
            self.failures.failed(exc, "settle", skip=True)


def _unavailable() -> ServiceUnavailable:
    return ServiceUnavailable("Limits cannot be checked right now; try again shortly.")


def init_app(app: Flask) -> None:
    admission = Admission(app)
    app.extensions["gateway.limits"] = admission
    add_finisher(app, admission.settle)
