"""After a fork: one registry of per-process resets, run in every child before it does anything else.

A Celery prefork worker builds the app in its parent (at import) and forks its children from it;
gunicorn forks workers from its arbiter. A child inherits its parent's sockets, threads' locks
and buffers, and must never use them: a pooled PostgreSQL connection used by two children at
once corrupts both sessions. Every object holding such a resource registers its reset here,
where it is made; `os.register_at_fork` runs them in each child of every `os.fork()` (billiard's
prefork pool, gunicorn, gevent's patched fork all go through it), so no hot path checks a pid.
"""

from __future__ import annotations

import inspect
import logging
import os
import weakref
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

# Weak references, so a registered object (an app in a test, its caches) can still be collected.
_resets: list[Callable[[], Callable[[], None] | None]] = []
PRUNE_AT = 256


def on_fork(reset: Callable[..., None], owner: Any = None) -> None:
    """Run `reset` in every child forked from now on: `reset(owner)` while `owner` is alive, a
    bound method while its object is alive, a plain function always."""
    if len(_resets) >= PRUNE_AT and len(_resets) % PRUNE_AT == 0:  # bounded: drop the dead ones
        _resets[:] = [ref for ref in _resets if ref() is not None]
    if owner is not None:
        owner_ref = weakref.ref(owner)

        def bound() -> Callable[[], None] | None:
            obj = owner_ref()
            return None if obj is None else lambda: reset(obj)

        _resets.append(bound)
    elif inspect.ismethod(reset):
        _resets.append(weakref.WeakMethod(reset))
    else:
        _resets.append(lambda: reset)


def reset_after_fork() -> None:
    """Run every live reset, in registration order (what a child of `os.fork()` runs first)."""
    alive = []
    for ref in _resets:
        reset = ref()
        if reset is None:
            continue
        alive.append(ref)
        try:
            reset()
        except Exception:  # one failed reset must not leave the others undone
            log.exception("after-fork reset failed")
    _resets[:] = alive


def registered() -> int:
    """How many live resets there are (tests, diagnostics)."""
    return sum(ref() is not None for ref in _resets)


os.register_at_fork(after_in_child=reset_after_fork)
