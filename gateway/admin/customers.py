"""`/customer/*` and its older spelling `/end_user/*` over HTTP (LiteLLM's customer endpoints)."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, g, request
from pydantic import BaseModel

from ..body import read_json_object
from ..directory import customers as service
from ..directory.customer_fields import CustomerListFilters
from ..keys.checks import Text
from ..validation import STRICT
from . import actor, bp
from .organizations import query_args
from .paging import int_param


class InfoQuery(BaseModel):
    model_config = STRICT
    end_user_id: Text


def _json(data: Any) -> Response:
    return current_app.json.response(data)


def _body() -> dict[str, Any]:
    body, _ = read_json_object(request)
    return body


def _new() -> Response:
    return _json(service.new(_body(), actor(g.principal)))


def _info() -> Response:
    return _json(service.info(query_args(InfoQuery)["end_user_id"]))


def _update() -> Response:
    return _json(service.update(_body(), actor(g.principal)))


def _delete() -> Response:
    return _json(service.delete(_body(), actor(g.principal)))


def _list() -> Response:
    filters = query_args(CustomerListFilters, ("page", "size"))
    return _json(
        service.list_customers(
            int_param("page", 1, 1, 1_000_000),
            int_param("size", 100, 1, 1000),
            filters.get("user_id"),
            filters.get("alias"),
        )
    )


def _block() -> Response:
    return _json(service.set_blocked(_body(), True, actor(g.principal)))


def _unblock() -> Response:
    return _json(service.set_blocked(_body(), False, actor(g.principal)))


ROUTES = (
    ("new", "POST", _new),
    ("info", "GET", _info),
    ("update", "POST", _update),
    ("delete", "POST", _delete),
    ("list", "GET", _list),
    ("block", "POST", _block),
    ("unblock", "POST", _unblock),
)
for _base in ("customer", "end_user"):
    for _action, _method, _view in ROUTES:
        bp.add_url_rule(f"/{_base}/{_action}", f"{_base}_{_action}", _view, methods=[_method])
