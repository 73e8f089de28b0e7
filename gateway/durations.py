"""The one duration parser: `Ns`, `Nm`, `Nh`, `Nd`, `Nw`, `Nmo`, nothing else (API.md §5)."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(r"([0-9]{1,6})(s|m|h|d|w|mo)")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "mo": 30 * 86400}
MAX = timedelta(days=100 * 365)


class DurationError(ValueError):
    pass


def parse_duration(text: object, *, allow_zero: bool = False) -> timedelta:
    """`30d` → 30 days; a month is 30 days. Trailing text, signs, spaces, `1y`: DurationError."""
    if not isinstance(text, str):
        raise DurationError(f"must be a string like 30d, got {type(text).__name__}")
    m = _DURATION.fullmatch(text)  # fullmatch: `$` would let a trailing newline through
    if m is None:
        raise DurationError(f"{text!r} is not a duration (use Ns, Nm, Nh, Nd, Nw or Nmo)")
    value = timedelta(seconds=int(m.group(1)) * _SECONDS[m.group(2)])
    if not allow_zero and not value:
        raise DurationError(f"{text!r} must be longer than zero")
    if value > MAX:
        raise DurationError(f"{text!r} is longer than 100 years")
    return value
