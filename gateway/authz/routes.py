"""Route groups (LiteLLM's names) and how an `allowed_routes` entry matches a path."""

from __future__ import annotations

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
MANAGEMENT_ROUTES = frozenset(
    {
        "/key/generate",
        "/key/update",
        "/key/delete",
        "/key/list",
        "/key/regenerate",
        "/key/block",
        "/key/unblock",
        # c-orgs, until a-teams' role table (ROUTE_ROLES) replaces this set:
        *(f"/organization/{a}" for a in ("new", "info", "update", "delete", "list")),
        *(f"/organization/member_{a}" for a in ("add", "update", "delete")),
        *(f"/{b}/{a}" for b in ("customer", "end_user") for a in ("new", "info", "update", "delete", "list")),
        *(f"/{b}/{a}" for b in ("customer", "end_user") for a in ("block", "unblock")),
        "/audit",
    }
)
GROUPS = {
    "llm_api_routes": LLM_API_ROUTES,
    "info_routes": INFO_ROUTES,
    "management_routes": MANAGEMENT_ROUTES,
}


def is_management(path: str) -> bool:
    """Admin-only routes: key management, including `/key/<key>/regenerate`."""
    return path in MANAGEMENT_ROUTES or (path.startswith("/key/") and path.endswith("/regenerate"))


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
    """What a role may call when its principal carries no `allowed_routes`."""
    if role == "proxy_admin":
        return ("llm_api_routes", "info_routes", "management_routes", "/metrics")
    return ("llm_api_routes", "info_routes")
