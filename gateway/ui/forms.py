"""An HTML form as the JSON body the API's services validate: blanks dropped, lists split on
commas, numbers and JSON objects typed; the services' own models then check every field."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from flask import request

from ..errors import BadRequest


def _number(name: str, raw: str, kind: type) -> int | float:
    try:
        return kind(raw)
    except ValueError:
        word = "a whole number" if kind is int else "a number"
        raise BadRequest(f"`{name}` must be {word}.", param=name) from None


def form_body(
    text: Iterable[str] = (),
    lists: Iterable[str] = (),
    ints: Iterable[str] = (),
    floats: Iterable[str] = (),
    objects: Iterable[str] = (),
) -> dict[str, Any]:
    """The named fields of the posted form that are filled in, typed."""
    form = request.form
    body: dict[str, Any] = {}
    for name in text:
        if form.get(name, "").strip():
            body[name] = form[name].strip()
    for name in lists:
        if form.get(name, "").strip():
            body[name] = [v.strip() for v in form[name].split(",") if v.strip()]
    for kinds, kind in ((ints, int), (floats, float)):
        for name in kinds:
            if form.get(name, "").strip():
                body[name] = _number(name, form[name].strip(), kind)
    for name in objects:
        if form.get(name, "").strip():
            try:
                value = json.loads(form[name])
            except ValueError:
                raise BadRequest(f"`{name}` must be a JSON object.", param=name) from None
            if not isinstance(value, dict):
                raise BadRequest(f"`{name}` must be a JSON object.", param=name)
            body[name] = value
    return body


def changed(body: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a pre-filled edit form that differ from the object's current values: a
    value left as it was shown is not sent, so the service (and the audit log) sees only edits."""
    return {name: value for name, value in body.items() if value != current.get(name)}


def page_arg(name: str = "page", default: int = 1, high: int = 1_000_000) -> int:
    raw = request.args.get(name, "")
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(high)) or not 1 <= int(raw) <= high:
        raise BadRequest(f"`{name}` must be a whole number from 1 to {high}.", param=name)
    return int(raw)


def text_arg(name: str, limit: int = 200) -> str | None:
    """A search box's text: None when empty; NUL and over-long text refused (a 400, not a 500)."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if len(raw) > limit or "\x00" in raw:
        raise BadRequest(f"`{name}` must be at most {limit} characters of text.", param=name)
    return raw
