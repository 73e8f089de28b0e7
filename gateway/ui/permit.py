"""What the logged-in Principal may do, asked of the one route-permission table (authz/routes.py):
a page's write buttons are shown, and its forms accepted, only where the API route would be."""

from __future__ import annotations

from ..authz import authorize_route
from ..authz.routes import is_management
from ..directory.access import require_known_user
from ..errors import PermissionDenied
from ..values import Principal


def may(principal: Principal | None, route: str) -> bool:
    """Whether `principal` may call the API route `route` (the table and the role's routes)."""
    if principal is None:
        return False
    try:
        authorize_route(principal, route)
    except PermissionDenied:
        return False
    return True


def require(principal: Principal, route: str) -> None:
    """The admin blueprint's guard for `route`: the table, then a non-admin must be a known user.
    The object checks (whose key, which team) stay in the services and directory/access.py."""
    authorize_route(principal, route)
    if is_management(route) and not principal.is_admin:
        require_known_user(principal)
