"""What the directory pages' views share: act as the logged-in Principal after the route
table's check, read a required form field, and go back to a page saying what was done."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, redirect, request, url_for

from ..errors import BadRequest
from ..values import Principal
from .permit import require
from .session import require_login

PAGE_SIZE = 25


def acting(route: str) -> Principal:
    """The logged-in Principal, if the route table lets it call `route` (else 401/403)."""
    principal = require_login()
    require(principal, route)
    return principal


def field(name: str) -> str:
    value = request.form.get(name, "").strip()
    if not value:
        raise BadRequest(f"`{name}` is required.", param=name)
    return value


def back(endpoint: str, message: str, **args: Any) -> Response:
    return redirect(url_for(endpoint, done=message, **args))


def write(route: str, call: Callable[[Principal], Any], endpoint: str, message: str, **args: Any) -> Response:
    """A form's action: the route check, the service call, back to the page."""
    principal = acting(route)
    call(principal)
    return back(endpoint, message, **args)
