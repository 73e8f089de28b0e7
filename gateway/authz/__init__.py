"""Stage 4: authorization, the same for every auth method: standing (expired, blocked), route,
model, then limits (limits.py's Admitter, the stage's object)."""

from __future__ import annotations

import time

from ..errors import AuthError, ExpiredKey, PermissionDenied
from ..values import Principal
from .access import LEVEL_NAMES, ModelAccess
from .limits import Admission, Admitter
from .network import address_allowed, authorize_address
from .routes import default_routes, roles_for, route_allowed

__all__ = [
    "Admission",
    "Admitter",
    "ModelAccess",
    "address_allowed",
    "authorize",
    "authorize_address",
    "authorize_model",
    "authorize_route",
    "authorize_scopes",
    "model_allowed",
]

ALL_MODELS = frozenset({"*", "all-proxy-models"})


def model_allowed(principal: Principal, model: str) -> bool:
    models = principal.models
    return not models or model in models or not ALL_MODELS.isdisjoint(models)


def authorize(principal: Principal, path: str) -> None:
    """May this principal act at all, and call `path`? 401 for an expired or blocked key, 403
    for a route it may not call."""
    shown = f"Key {principal.key_name}" if principal.key_name else "Key"
    if principal.expires is not None and time.time() >= principal.expires:
        raise ExpiredKey(f"{shown} has expired.")
    if principal.blocked:
        raise AuthError(f"{shown} is blocked.", reason="blocked_key")
    if principal.team_blocked:
        raise AuthError(f"The team of {shown[0].lower()}{shown[1:]} is blocked.", reason="blocked_team")
    authorize_scopes(principal)
    authorize_route(principal, path)


def authorize_scopes(principal: Principal) -> None:
    """A blocked level the request belongs to (its user, team, organization, customer) refuses it."""
    for scope in principal.scopes:
        if scope.blocked:
            level = LEVEL_NAMES.get(scope.level, scope.level)
            raise AuthError(f"The {level} {scope.id!r} is blocked.", reason=f"blocked_{scope.level}")


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
