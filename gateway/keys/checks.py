"""Checks of single `/key/*` values: strict types, and strings PostgreSQL can store (no NUL)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..durations import DurationError, parse_duration
from ..errors import BadRequest

Check = Callable[[str, Any], Any]


def fail(name: str, why: str) -> BadRequest:
    return BadRequest(f"Invalid `{name}`: {why}.", param=name)


def storable(v: Any) -> bool:
    """No NUL character in any string, keys of objects included: PostgreSQL refuses them in text
    and JSONB, and the database's error must not become a 500."""
    if isinstance(v, str):
        return "\x00" not in v
    if isinstance(v, dict):
        return all(storable(k) and storable(x) for k, x in v.items())
    if isinstance(v, list):
        return all(storable(x) for x in v)
    return True


def opt_str(name: str, v: Any) -> str | None:
    if v is None:
        return None
    if not isinstance(v, str) or not v or len(v) > 255 or not storable(v):
        raise fail(name, "must be a non-empty string of at most 255 characters (no NUL) or null")
    return v


def str_list(name: str, v: Any) -> list[str]:
    if v is None:
        return []
    if not isinstance(v, list) or not all(isinstance(x, str) and x and storable(x) for x in v):
        raise fail(name, "must be a list of non-empty strings (no NUL)")
    return list(dict.fromkeys(v))


def obj(name: str, v: Any) -> dict[str, Any]:
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise fail(name, "must be a JSON object")
    if not storable(v):
        raise fail(name, "must not contain NUL characters")
    return v


def flag(name: str, v: Any) -> bool:
    if not isinstance(v, bool):
        raise fail(name, "must be true or false")
    return v


def opt_amount(name: str, v: Any) -> float | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float) or v < 0 or v != v or v == float("inf"):
        raise fail(name, "must be a number >= 0 or null")
    return float(v)


def opt_count(name: str, v: Any) -> int | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int) or v < 0 or v > 2**31 - 1:
        raise fail(name, "must be a whole number >= 0 or null")
    return v


def opt_duration(name: str, v: Any) -> str | None:
    if v is None:
        return None
    try:
        parse_duration(v, allow_zero=name == "grace_period")
    except DurationError as exc:
        raise fail(name, str(exc)) from None
    return v


def custom_key(name: str, v: Any) -> str | None:
    if v is None:
        return None
    if not isinstance(v, str) or not v.startswith("sk-") or len(v) < 16 or len(v) > 256:
        raise fail(name, "a custom key must start with `sk-` and have 16 to 256 characters")
    if not v.isascii() or not v.isprintable() or " " in v:
        raise fail(name, "a custom key must be printable ASCII without spaces")
    return v


def identifier(name: str, v: Any) -> str:
    if not isinstance(v, str) or not v:
        raise fail(name, "must be a key or its hash")
    return v
