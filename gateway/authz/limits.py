"""Admission against a principal's limits (rpm, tpm, in-flight requests, budget): 429 when over.

Keys with no limits cost nothing here. With Redis, limits hold for the sum of every worker and
instance; without it (the embedded default) they hold per process. If Redis fails, limits fail
open (logged once per outage) unless `general_settings.limits_on_redis_failure: closed`."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable

import redis

from ..errors import BudgetExceeded, RateLimited, ServiceUnavailable
from ..redis_failures import RedisFailures
from ..settings import Deployment, Settings
from ..values import Limits, Principal, RequestIntent, UsageEvent
from .limits_local import LocalLimiter
from .limits_redis import RedisLimiter

MESSAGES = {
    "rpm": "Rate limit exceeded: this key's rpm_limit of {n} requests per minute is reached.",
    "tpm": "Rate limit exceeded: this key's tpm_limit of {n} tokens per minute is reached.",
    "parallel": "Rate limit exceeded: this key already has its max_parallel_requests ({n}) in flight.",
}


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
    """A request let in against its principal's limits: `release` it once when the request ends,
    with what it used (the in-flight slot freed, tokens and cost corrected from the estimate)."""

    __slots__ = ("_admitter", "_at", "_estimate", "_limits", "_request_id", "_subject")

    def __init__(
        self, admitter: Admitter, subject: str, limits: Limits, request_id: str, estimate: int
    ) -> None:
        self._admitter = admitter
        self._subject, self._limits, self._request_id = subject, limits, request_id
        self._estimate = estimate
        self._at = int(time.time() * 1000)

    def release(self, event: UsageEvent) -> None:
        admitter, self._admitter = self._admitter, None
        if admitter is not None:
            used = event.prompt_tokens + event.completion_tokens
            admitter.settle(
                self._subject, self._limits, self._request_id, self._at, self._estimate, used, event.cost
            )


class _Unlimited:
    """The admission of a principal without limits: nothing to release."""

    __slots__ = ()

    def release(self, event: UsageEvent) -> None:
        return None


UNLIMITED = _Unlimited()


class Admitter:
    """The stage's limits: rpm, tpm, in-flight and budget, held across every worker and instance
    with Redis (per process without it)."""

    def __init__(self, settings: Settings, client: redis.Redis | None) -> None:
        self.limiter: RedisLimiter | LocalLimiter = RedisLimiter(client) if client else LocalLimiter()
        closed = settings.limits_on_redis_failure == "closed"
        self.prices = model_prices(settings.deployments)
        self.failures = RedisFailures(
            "limits",
            "failing closed" if closed else "failing open",
            fail_with=_unavailable if closed else None,
        )

    def admit(self, principal: Principal, intent: RequestIntent, request_id: str) -> Admission | _Unlimited:
        """Let the request in (an Admission to release when it ends) or refuse it: 429 when over
        a limit, 503 when Redis fails and limits fail closed."""
        limits = principal.limits
        if not limits.any:
            return UNLIMITED
        # A form's bytes are mostly a file: not tokens to estimate.
        raw = b"" if intent.content_type else intent.raw
        subject, estimate = subject_of(principal), estimate_tokens(raw, intent.body)
        budget = limits.max_budget is not None
        cost = estimate_cost(self.prices, intent.model, raw, intent.body) if budget else 0.0
        try:
            ok, which, wait, detail = self.limiter.admit(subject, limits, request_id, estimate, cost)
        except redis.RedisError as exc:
            self.failures.failed(exc, "admit")  # raises when failing closed
            return UNLIMITED
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
        return Admission(self, subject, limits, request_id, estimate)

    def settle(
        self, subject: str, limits: Limits, request_id: str, at: int, estimate: int, tokens: int, cost: float
    ) -> None:
        try:
            self.limiter.settle(subject, limits, request_id, at, estimate, tokens, cost)
        except redis.RedisError as exc:
            # Never raised here: the lease expires on its own; the budget catches up at the flush.
            self.failures.failed(exc, "settle", skip=True)

    def reset_budget(self, subject: str) -> None:
        """The budget job reset this key's spend: its live counter starts again at 0."""
        self.limiter.reset_budget(subject)


def _unavailable() -> ServiceUnavailable:
    return ServiceUnavailable("Limits cannot be checked right now; try again shortly.")
