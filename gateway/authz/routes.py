"""Route groups (LiteLLM's names), the one route-permission table, and how `allowed_routes` matches."""

from __future__ import annotations

from ..values import (
    INTERNAL_USER,
    INTERNAL_USER_VIEWER,
    LLM_ONLY,
    ORG_ADMIN,
    PROXY_ADMIN,
    PROXY_ADMIN_VIEWER,
    TEAM,
)

LLM_API_ROUTES = frozenset(
    p
    for base in (
        "/chat/completions",
        "/completions",
        "/embeddings",
        "/models",
        "/images/generations",
        "/audio/speech",
        "/audio/transcriptions",
        "/moderations",
        "/responses",
    )
    for p in (base, "/v1" + base)
)
# Read-only routes any caller may use; what they show is narrowed to the caller's own keys/models.
INFO_ROUTES = frozenset(
    {"/key/info", "/key/health", "/usage/daily", "/spend/logs", "/model/info", "/v1/model/info", "/health"}
)

# Who may call which management route. The route is only the first gate: the service then checks
# the object (an internal user's own keys, a team admin's own team, an org admin's own
# organization), so `internal_user` on a /team/member_* route means "if it is that team's admin".
ADMINS = frozenset({PROXY_ADMIN})
READERS = frozenset({PROXY_ADMIN, PROXY_ADMIN_VIEWER})
ORG_MANAGERS = frozenset({PROXY_ADMIN, ORG_ADMIN})
ORG_READERS = READERS | {ORG_ADMIN}
USERS = frozenset({PROXY_ADMIN, ORG_ADMIN, INTERNAL_USER})  # write their own things
EVERY_USER = USERS | {PROXY_ADMIN_VIEWER, INTERNAL_USER_VIEWER}  # read their own things

_KEY = {
    "/key/generate": USERS,
    "/key/update": USERS,
    "/key/delete": USERS,
    "/key/regenerate": USERS,
    "/key/block": USERS,
    "/key/unblock": USERS,
    "/key/list": EVERY_USER,
}
_USER = {
    "/user/new": ORG_MANAGERS,
    "/user/info": EVERY_USER,
    "/user/update": ORG_MANAGERS,
    "/user/delete": ORG_MANAGERS,
    "/user/list": ORG_READERS,
}
_TEAM = {
    "/team/new": ORG_MANAGERS,
    "/team/info": EVERY_USER,
    "/team/update": USERS,  # a team's own admin: its name, metadata and member permissions
    "/team/delete": ORG_MANAGERS,
    "/team/list": EVERY_USER,
    "/team/block": ORG_MANAGERS,
    "/team/unblock": ORG_MANAGERS,
    "/team/member_add": USERS,
    "/team/member_delete": USERS,
    "/team/member_update": USERS,
    "/team/model/add": ORG_MANAGERS,
    "/team/model/delete": ORG_MANAGERS,
    "/team/permissions_list": EVERY_USER,
    "/team/permissions_update": USERS,
}
_ORGANIZATION = {
    "/organization/new": ADMINS,
    "/organization/info": EVERY_USER,
    "/organization/update": ORG_MANAGERS,
    "/organization/delete": ADMINS,
    "/organization/list": EVERY_USER,
    "/organization/member_add": ORG_MANAGERS,
    "/organization/member_update": ORG_MANAGERS,
    "/organization/member_delete": ORG_MANAGERS,
}
_CUSTOMER_ACTIONS = {
    "new": ADMINS,
    "info": READERS,
    "update": ADMINS,
    "delete": ADMINS,
    "list": READERS,
    "block": ADMINS,
    "unblock": ADMINS,
}
_CUSTOMER = {
    f"/{base}/{action}": roles
    for base in ("customer", "end_user")
    for action, roles in _CUSTOMER_ACTIONS.items()
}
ROUTE_ROLES: dict[str, frozenset[str]] = {
    **_KEY,
    **_USER,
    **_TEAM,
    **_ORGANIZATION,
    **_CUSTOMER,
    "/audit": READERS,
}
MANAGEMENT_ROUTES = frozenset(ROUTE_ROLES)
# Roles that make no LLM calls (LiteLLM: the proxy admin viewer only views).
NO_LLM = frozenset({PROXY_ADMIN_VIEWER})
GROUPS = {
    "llm_api_routes": LLM_API_ROUTES,
    "info_routes": INFO_ROUTES,
    "management_routes": MANAGEMENT_ROUTES,
}
KNOWN_ROLES = (
    PROXY_ADMIN,
    PROXY_ADMIN_VIEWER,
    ORG_ADMIN,
    INTERNAL_USER,
    INTERNAL_USER_VIEWER,
    TEAM,
    LLM_ONLY,
)


def table_route(path: str) -> str | None:
    """The table's name for a path: `/key/<key>/regenerate` is `/key/regenerate`."""
    if path in ROUTE_ROLES:
        return path
    if path.startswith("/key/") and path.endswith("/regenerate"):
        return "/key/regenerate"
    return None


def roles_for(path: str) -> frozenset[str] | None:
    """The roles that may call a management route; None for a path the table does not govern."""
    name = table_route(path)
    return ROUTE_ROLES[name] if name is not None else None


def is_management(path: str) -> bool:
    return table_route(path) is not None


def route_allowed(path: str, allowed: tuple[str, ...]) -> bool:
    """An entry allows a path when it names its group, equals it, or is a prefix ending at a `/`."""
    for entry in allowed:
        group = GROUPS.get(entry)
        if group is not None:
            if path in group or (entry == "management_routes" and is_management(path)):
                return True
            continue
        prefix = entry.rstrip("*").rstrip("/")
        if path in (entry, prefix) or (prefix and path.startswith(prefix + "/")):
            return True
    return False


def default_routes(role: str) -> tuple[str, ...]:
    """What a role may call when its principal carries no `allowed_routes` (the table still gates
    every management route by role)."""
    if role == PROXY_ADMIN:
        return ("llm_api_routes", "info_routes", "management_routes", "/metrics")
    if role in NO_LLM:
        return ("info_routes", "management_routes")
    if role in (TEAM, LLM_ONLY):
        return ("llm_api_routes", "info_routes")
    return ("llm_api_routes", "info_routes", "management_routes")
