"""Admin and info routes (`/key/*`, `/usage/daily`, `/spend/logs`, `/model/info`, `/health`): the same
auth chain and authorization as the proxy; management routes need the admin role."""

from __future__ import annotations

from flask import Blueprint, Flask, request

from ..guard import guard
from ..values import Principal

bp = Blueprint("admin", __name__)


@bp.before_request
def _guard() -> None:
    guard(request)  # management routes: proxy_admin only


def actor(principal: Principal) -> str:
    """How the audit log names who acted: never a secret."""
    if principal.method == "master_key":
        return "master_key"
    return f"{principal.method}:{principal.subject}"


def init_app(app: Flask) -> None:
    from . import keys, model_health, models, spend, usage  # noqa: F401 - registers the routes on bp

    app.register_blueprint(bp)
