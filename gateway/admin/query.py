"""Query parameters of the admin routes: unknown ones refused, dates read one way."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from flask import request

from ..errors import BadRequest


def refuse_unknown(allowed: Collection[str]) -> None:
    """A parameter the route does not take is a 400 naming it, never silently ignored."""
    unknown = set(request.args) - set(allowed)
    if unknown:
        name = sorted(unknown)[0]
        raise BadRequest(f"Unknown parameter `{name}`.", param=name)


def date_param(name: str) -> date | None:
    """An ISO date (`2026-01-31`), or None when the parameter is absent."""
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadRequest(f"`{name}` must be a date like 2026-01-31.", param=name) from None
