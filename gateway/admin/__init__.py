"""Admin and info routes (`/key/*`, `/usage/daily`, `/spend/logs`, `/model/info`, `/health`): the same
auth chain and authorization as the proxy; management routes need the admin role."""

from __future__ import annotations

from flask import Blueprint, Flask, request

from ..authz.routes import is_management
from ..directory.access import require_known_user
from ..guard import guard
from ..values import Principal

bp = Blueprint("admin", __name__)


@bp.before_request
def _guard() -> None:
    principal = guard(request)  # the route table (authz/routes.py), then the object in each view
    if is_management(request.path) and not principal.is_admin:
        require_known_user(principal)  # a JWT's `sub` is no user until an admin makes it one


def actor(principal: Principal) -> str:
    """How the audit log names who acted: never a secret."""
    if principal.method == "master_key":
        return "master_key"
    return f"{principal.method}:{principal.subject}"


def init_app(app: Flask) -> None:
    from . import (  # noqa: F401 - registers the routes on bp
        audit,
        customers,
        keys,
        model_health,
        models,
        organizations,
        spend,
        teams,
        usage,
        users,
    )

    app.register_blueprint(bp)
