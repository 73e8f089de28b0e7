"""Stage 4: authorization, the same for every auth method: route, model, then limits."""

from __future__ import annotations

from flask import Flask, current_app

from ..auth.principal import Principal
from ..errors import PermissionDenied
from ..usage import Meter
from . import limits
from .routes import default_routes, roles_for, route_allowed

ALL_MODELS = frozenset({"*", "all-proxy-models"})


def model_allowed(principal: Principal, model: str) -> bool:
    models = principal.models
    return not models or model in models or not ALL_MODELS.isdisjoint(models)


def authorize_route(principal: Principal, path: str) -> None:
    """Raise PermissionDenied unless `principal` may call `path`: the one check of the route
    table (routes.ROUTE_ROLES), for every auth method; the key's `allowed_routes` narrow it."""
    roles = roles_for(path)
    # A management route acts for a user: a non-admin caller with none (an LLM-only key, a JWT
    # or custom-auth principal naming no user) has nothing of its own to manage.
    if roles is not None and (
        principal.role not in roles or (not principal.is_admin and not principal.user_id)
    ):
        who = "proxy admins" if roles == {"proxy_admin"} else ", ".join(sorted(roles))
        raise PermissionDenied(f"Only {who} may call {path}.", reason="admin_only")
    allowed = principal.allowed_routes or default_routes(principal.role)
    if not route_allowed(path, allowed):
        raise PermissionDenied(f"This key may not call {path}.", reason="route_not_allowed")


def authorize_model(principal: Principal, model: str) -> None:
    if not model_allowed(principal, model):
        raise PermissionDenied(
            f"This key may not use model {model!r}. Allowed: {', '.join(principal.models)}.",
            param="model",
            reason="model_not_allowed",
        )


def admit(principal: Principal, raw: bytes, body: dict, meter: Meter) -> None:
    """Rate, in-flight and budget limits (429 when over); see limits.py."""
    current_app.extensions["gateway.limits"].admit(principal, raw, body, meter)


def init_app(app: Flask) -> None:
    limits.init_app(app)
