"""The one policy for a failed Redis call: count it, log when a component starts and stops failing
(not once per request), then skip, or fail with the caller's typed error when so configured."""

from __future__ import annotations

import logging
from collections.abc import Callable

from prometheus_client import Counter

from .metrics.registry import REDIS_ERRORS

log = logging.getLogger(__name__)


class RedisFailures:
    """One component's record of its Redis calls. `failed()` in the `except redis.RedisError`
    branch, `ok()` after a call that worked; the caller then returns its fallback (skip), unless
    `fail_with` is given, when `failed()` raises what it returns (fail closed)."""

    def __init__(
        self,
        component: str,
        action: str = "skipped",
        fail_with: Callable[[], Exception] | None = None,
        counter: Counter | None = None,
    ) -> None:
        self.component = component
        self.action = action
        self.fail_with = fail_with
        self._counter = counter if counter is not None else REDIS_ERRORS.labels(component)
        # Unlocked on purpose: two threads failing at once at worst log the change twice.
        self.failing = False

    def failed(self, exc: Exception, what: str = "", skip: bool = False) -> None:
        """Count a failed call, log it if the component was healthy, and raise if configured to
        (unless `skip`: a call whose failure the client must never see, such as a release)."""
        self._counter.inc()
        if not self.failing:
            self.failing = True
            log.warning(
                "%s: Redis unavailable (%s%s), %s",
                self.component,
                f"{what}: " if what else "",
                type(exc).__name__,  # the type only: a message may carry the URL and its password
                self.action,
            )
        if self.fail_with is not None and not skip:
            raise self.fail_with() from None

    def ok(self) -> None:
        """A call worked: cheap when nothing failed (the hot path), logs the recovery once."""
        if self.failing:
            self.failing = False
            log.info("%s: Redis reachable again", self.component)
