"""What the directory pages' views share: act as the logged-in Principal after the route
table's check, read a required form field, go back to a page saying what was done, and the
edit forms' one action (only the changed settings go to the service)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Response, redirect, request, url_for

from ..errors import BadRequest
from ..values import Principal
from .forms import changed, form_body
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


def edit(
    route: str,
    fields: Mapping[str, tuple[str, ...]],
    current: Callable[[Principal], Mapping[str, Any]],
    call: Callable[[Principal, dict[str, Any]], Any],
    endpoint: str,
    **args: Any,
) -> Response:
    """An edit form's action: the route check, the filled fields typed (forms.form_body), those
    that differ from `current` (the object as the service shows it) handed to `call`, the
    service's update; its refusals (bad duration, bounds, ownership) are the usual error page."""
    principal = acting(route)
    body = changed(form_body(**fields), current(principal))
    if not body:
        return back(endpoint, "Nothing changed.", **args)
    call(principal, body)
    return back(endpoint, f"Saved: {', '.join(sorted(body))}.", **args)
