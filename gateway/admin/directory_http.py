"""What the /user/* and /team/* routes share: the body, query parameters, JSON answers."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request

from ..body import read_json_object
from ..directory.fields import ListFilters
from ..errors import BadRequest
from ..keys.fields import validate


def json(data: Any) -> Response:
    return current_app.json.response(data)


def body() -> dict[str, Any]:
    data, _ = read_json_object(request)
    return data


def int_param(names: tuple[str, ...], default: int, low: int, high: int) -> int:
    for name in names:
        raw = request.args.get(name)
        if raw is None:
            continue
        if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(high)) or not low <= int(raw) <= high:
            raise BadRequest(f"`{name}` must be a whole number from {low} to {high}.", param=name)
        return int(raw)
    return default


def query(allowed: set[str]) -> dict[str, Any]:
    """The query's text filters, checked; an unknown parameter is a 400 naming it."""
    unknown = set(request.args) - allowed
    if unknown:
        name = sorted(unknown)[0]
        raise BadRequest(f"Unknown parameter `{name}`.", param=name)
    texts = {k: v for k, v in request.args.items() if k in ListFilters.model_fields}
    return validate(texts, ListFilters)


def required(params: dict[str, Any], name: str) -> str:
    value = params.get(name)
    if not value:
        raise BadRequest(f"`{name}` is required.", param=name)
    return value
