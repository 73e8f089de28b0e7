"""Admission against a principal's limits (rpm, tpm, in-flight requests, budget): 429 when over.

Keys with no limits cost nothing here. With Redis, limits hold for the sum of every worker and
instance; without it (the embedded default) they hold per process. If Redis fails, limits fail
open (logged once per outage) unless `general_settings.limits_on_redis_failure: closed`."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace

import redis

from ..errors import BudgetExceeded, RateLimited, ServiceUnavailable
from ..redis_failures import RedisFailures
from ..settings import Deployment, Settings
from ..values import Limits, Principal, RequestIntent, UsageEvent
from .limits_local import LocalLimiter
from .limits_redis import Item, RedisLimiter

UNITS = {
    "rpm": "rpm_limit of {n} requests per minute is reached",
    "tpm": "tpm_limit of {n} tokens per minute is reached",
    "parallel": "max_parallel_requests ({n}) is in flight",
}
LEVELS = {"key": "key", "user": "user", "team": "team", "member": "team member",
          "organization": "organization", "customer": "customer"}  # fmt: skip


def limit_message(which: str, n: int | None, level: str, model: str | None) -> str:
    """The 429's message: which limit of which level (and model) refused."""
    whose = f"this {LEVELS.get(level, level)}'s"
    if which == "parallel":
        where = f" for model {model!r}" if model else ""
        return f"Rate limit exceeded: {whose} max_parallel_requests ({n}){where} is already in flight."
    unit = UNITS[which].format(n=n)
    if model:
        unit = unit.replace(" of ", f" for model {model!r} of ", 1)
    return f"Rate limit exceeded: {whose} {unit}."


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


def budget_message(detail: str, budget: float | None, level: str = "key", model: str | None = None) -> str:
    """`detail` is "spend:held", held being the cost reserved by requests still in flight."""
    spend, _, held = detail.partition(":")
    message = "Budget exceeded"
    if level != "key" or model:
        message += f" for this {LEVELS.get(level, level)}" + (f"'s model {model!r}" if model else "")
    message += f": spend {float(spend):.6g}"
    if held and float(held) > 0:
        message += f" plus {float(held):.6g} held by requests in flight"
    return message + f" has reached max_budget {budget or 0:.6g}."


def subject_of(principal: Principal) -> str:
    return principal.key_hash or f"{principal.method}:{principal.subject}"


@dataclass(frozen=True, slots=True)
class Subject:
    """One level a request is admitted against: its level name, its counters' name, its limits."""

    level: str
    name: str
    limits: Limits
    model: str | None = None  # a per-model limit


class Admission:
    """A request let in against every level's limits: `release` it once when the request ends,
    with what it used (the in-flight slots freed, tokens and cost corrected from the estimate)."""

    __slots__ = ("_admitter", "_at", "_estimate", "_items", "_request_id")

    def __init__(self, admitter: Admitter, items: list[Item], request_id: str, estimate: int) -> None:
        self._admitter = admitter
        self._items, self._request_id = items, request_id
        self._estimate = estimate
        self._at = int(time.time() * 1000)

    def release(self, event: UsageEvent) -> None:
        admitter, self._admitter = self._admitter, None
        if admitter is not None:
            used = event.prompt_tokens + event.completion_tokens
            # Never a Redis call here: the Redis limiter queues it for the next admission (or its
            # flusher, which keeps its own record of Redis failures), the local one applies it.
            admitter.limiter.settle(self._items, self._request_id, self._at, self._estimate, used, event.cost)


class _Unlimited:
    """The admission of a principal without limits: nothing to release."""

    __slots__ = ()

    def release(self, event: UsageEvent) -> None:
        return None


UNLIMITED = _Unlimited()


class Admitter:
    """The stage's limits: rpm, tpm, in-flight and budget at every level of a request, held
    across every worker and instance with Redis (per process without it), in one round trip."""

    def __init__(self, settings: Settings, client: redis.Redis | None) -> None:
        self.limiter: RedisLimiter | LocalLimiter = RedisLimiter(client) if client else LocalLimiter()
        closed = settings.limits_on_redis_failure == "closed"
        self.prices = model_prices(settings.deployments)
        self.user_budget_on_team_keys = settings.apply_user_budget_to_team_keys
        self.failures = RedisFailures(
            "limits",
            "failing closed" if closed else "failing open",
            fail_with=_unavailable if closed else None,
        )

    def subjects(self, principal: Principal, model: str) -> list[Subject]:
        """Every level with a limit that applies to this request (none: admission costs nothing)."""
        out: list[Subject] = []
        key = subject_of(principal)
        if principal.limits.any:
            out.append(Subject("key", key, principal.limits))
        for m, limits in principal.model_limits:
            if m == model:
                out.append(Subject("key", f"{key}:model:{m}", limits, m))
        for scope in principal.scopes:
            limits = scope.limits
            if scope.level == "user" and principal.team_id is not None and not self.user_budget_on_team_keys:
                # LiteLLM #11962/#14995: explicit here. A user's budget holds its personal keys (and
                # its team keys with apply_user_budget_to_team_keys); its rate limits hold all its keys.
                limits = replace(limits, max_budget=None)
            name = f"{scope.level}:{scope.id}"
            if limits.any:
                out.append(Subject(scope.level, name, limits))
            for m, model_limits in scope.model_limits:
                if m == model:
                    out.append(Subject(scope.level, f"{name}:model:{m}", model_limits, m))
        return out

    def admit(self, principal: Principal, intent: RequestIntent, request_id: str) -> Admission | _Unlimited:
        """Let the request in (an Admission to release when it ends) or refuse it: 429 naming the
        level over its limit, 503 when Redis fails and limits fail closed."""
        subjects = self.subjects(principal, intent.model)
        if not subjects:
            return UNLIMITED
        # A form's bytes are mostly a file: not tokens to estimate.
        raw = b"" if intent.content_type else intent.raw
        estimate = estimate_tokens(raw, intent.body)
        budget = any(s.limits.max_budget is not None for s in subjects)
        cost = estimate_cost(self.prices, intent.model, raw, intent.body) if budget else 0.0
        items = [(s.name, s.limits, cost if s.limits.max_budget is not None else 0.0) for s in subjects]
        try:
            ok, which, wait, detail, index = self.limiter.admit(items, request_id, estimate)
        except redis.RedisError as exc:
            self.failures.failed(exc, "admit")  # raises when failing closed
            return UNLIMITED
        self.failures.ok()
        if not ok:
            s = subjects[index]
            if which == "budget":
                raise BudgetExceeded(budget_message(detail, s.limits.max_budget, s.level, s.model))
            n = {
                "rpm": s.limits.rpm_limit,
                "tpm": s.limits.tpm_limit,
                "parallel": s.limits.max_parallel_requests,
            }
            raise RateLimited(
                limit_message(which, n[which], s.level, s.model),
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )
        return Admission(self, items, request_id, estimate)

    def reset_budget(self, subject: str) -> None:
        """The budget job reset this level's spend (a key's hash, `team:<id>`...): its live
        counter starts again at 0."""
        self.limiter.reset_budget(subject)


def _unavailable() -> ServiceUnavailable:
    return ServiceUnavailable("Limits cannot be checked right now; try again shortly.")
