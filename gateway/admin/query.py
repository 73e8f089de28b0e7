"""Query parameters of the admin routes: read by their model (params.py), unknown ones refused."""

from __future__ import annotations

from collections.abc import Collection
from typing import TypeVar

from flask import request
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from ..errors import BadRequest
from ..validation import REASON

M = TypeVar("M", bound=BaseModel)


def refuse_unknown(allowed: Collection[str]) -> None:
    """A parameter the route does not take is a 400 naming it, never silently ignored."""
    unknown = set(request.args) - set(allowed)
    if unknown:
        name = sorted(unknown)[0]
        raise BadRequest(f"Unknown parameter `{name}`.", param=name)


def _bad(model: type[BaseModel], error: ErrorDetails) -> BadRequest:
    """`name` and the rule it broke: a check's own words, else the field's description."""
    name = str(error["loc"][0])
    why = error["msg"] if error["type"] == REASON else model.model_fields[name].description
    return BadRequest(f"`{name}` {why}.", param=name)


def parse_query(model: type[M]) -> M:
    """The request's query as `model` (the first value of a repeated parameter), or the 400 of
    its first bad parameter."""
    refuse_unknown(model.model_fields)
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as exc:
        raise _bad(model, exc.errors(include_url=False)[0]) from None
