"""The /user/* and /team/* operations of the OpenAPI document; request bodies come from the models."""

from __future__ import annotations

from typing import Any

from ..directory.fields import DIRECTORY_REQUESTS
from .schemas import TEXT, generated

COMPONENTS = generated(DIRECTORY_REQUESTS)
OBJECT = {"type": "object"}
LIST = {"type": "array", "items": OBJECT}
PAGE = {"type": "integer", "minimum": 1}

POSTS = {
    "/user/new": ("Create a user (and, unless auto_create_key is false, its first key)", "UserNewRequest"),
    "/user/update": ("Change a user's settings", "UserUpdateRequest"),
    "/user/delete": ("Delete users, their keys and memberships", "UserDeleteRequest"),
    "/team/new": ("Create a team", "TeamNewRequest"),
    "/team/update": ("Change a team's settings", "TeamUpdateRequest"),
    "/team/delete": ("Delete teams and their keys", "TeamDeleteRequest"),
    "/team/block": ("Block a team: its keys are refused everywhere within 1 s", "TeamRef"),
    "/team/unblock": ("Unblock a team", "TeamRef"),
    "/team/member_add": ("Add members to a team", "TeamMemberAddRequest"),
    "/team/member_delete": ("Remove a member (and its keys in the team)", "TeamMemberDeleteRequest"),
    "/team/member_update": ("Change a member's role, budget, limits, models", "TeamMemberUpdateRequest"),
    "/team/model/add": ("Add models to a team", "TeamModelRequest"),
    "/team/model/delete": ("Remove models from a team", "TeamModelRequest"),
    "/team/permissions_update": ("Set the key routes team members may call", "TeamPermissionsUpdateRequest"),
}
GETS = {
    "/user/info": ("A user, its keys and teams", ("user_id",), OBJECT),
    "/user/list": (
        "Users, a page at a time",
        ("page", "page_size", "user_ids", "user_email", "role", "team_id"),
        OBJECT,
    ),
    "/team/info": ("A team, its keys and memberships", ("team_id",), OBJECT),
    "/team/list": (
        "Teams the caller may see",
        ("page", "page_size", "user_id", "organization_id", "team_alias"),
        LIST,
    ),
    "/team/permissions_list": ("The key routes team members may call", ("team_id",), OBJECT),
}


def operations(op: Any, ok: Any, body: Any, errors: tuple[int, ...]) -> dict[str, Any]:
    """The operations, built with paths.py's helpers (passed in: paths.py imports this module)."""
    out: dict[str, Any] = {}
    for path, (summary, schema) in POSTS.items():
        out[path] = {"post": op(summary, path.split("/")[1], ok(OBJECT), errors, **body(schema))}
    for path, (summary, params, answer) in GETS.items():
        parameters = [
            {"name": n, "in": "query", "required": False, "schema": PAGE if n.startswith("page") else TEXT}
            for n in params
        ]
        out[path] = {"get": op(summary, path.split("/")[1], ok(answer), errors, parameters=parameters)}
    return out
