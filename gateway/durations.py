"""The one duration parser: `Ns`, `Nm`, `Nh`, `Nd`, `Nw`, `Nmo`, nothing else (API.md §5)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

# Up to 10 digits: 100 years in seconds (3,153,600,000) must be writable as `Ns`; MAX bounds the rest.
_DURATION = re.compile(r"([0-9]{1,10})(s|m|h|d|w|mo)")
PATTERN = f"^{_DURATION.pattern}$"  # the same, as a JSON Schema pattern (request models)
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
    seconds = int(m.group(1)) * _SECONDS[m.group(2)]
    if not allow_zero and not seconds:
        raise DurationError(f"{text!r} must be longer than zero")
    if seconds > MAX.total_seconds():  # compared before timedelta(), which overflows past ~2.7M years
        raise DurationError(f"{text!r} is longer than 100 years")
    return timedelta(seconds=seconds)


def next_reset(duration: object, now: datetime) -> datetime | None:
    """When a budget period starting `now` ends; None for a stored `budget_duration` this parser
    refuses (written by an older release, or by hand): the reset job skips that row, and says so,
    rather than failing every other budget's reset."""
    try:
        return now + parse_duration(duration)
    except DurationError:
        return None
