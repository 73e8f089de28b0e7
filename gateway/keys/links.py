"""A key's user, team and organization are real rows, and the key stays within its team's bounds."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from .. import audit
from ..clock import utcnow
from ..errors import BadRequest
from ..extensions import db
from ..models import Organization, Team, User
from . import bounds


def check(values: dict[str, Any], actor: str, current: Any = None) -> None:
    """Before a key is written with `values` (over the `current` row on update): an unknown
    user_id is created (LiteLLM's /key/generate does so); the team must exist, not be blocked,
    and allow the key's models; a key limit above its team's is refused, naming both (#40866)."""
    user_id = values.get("user_id")
    if user_id:
        ensure_user(user_id, actor)
    org = values.get("organization_id")
    if org and db.session.get(Organization, org) is None:
        raise BadRequest(f"Organization not found: {org!r}.", param="organization_id")
    team_id = values["team_id"] if "team_id" in values else getattr(current, "team_id", None)
    if not team_id:
        return
    team = db.session.get(Team, team_id)
    if team is None:
        raise BadRequest(f"Team not found: {team_id!r}.", param="team_id")
    if team.blocked:
        raise BadRequest(f"Team {team_id!r} is blocked: it cannot have new or changed keys.", param="team_id")
    bounds.check_key(values, current, team)


def ensure_user(user_id: str, actor: str) -> User:
    """LiteLLM's /key/generate upserts an unknown user_id as a user (generate_key_helper_fn,
    "CREATE USER (If necessary)"): kept, with the least role that can own a key. Concurrent
    calls for one new user make one row: the losing insert is rolled back to its savepoint
    (it waited on the winner's commit) and the winner's row is read."""
    row = db.session.get(User, user_id)
    if row is not None:
        return row
    now = utcnow()
    try:
        with db.session.begin_nested():
            row = User(user_id=user_id, user_role="internal_user", models=[], meta={}, spend=0.0,
                       blocked=False, created_at=now, updated_at=now, version=1)  # fmt: skip
            db.session.add(row)
    except IntegrityError:
        row = db.session.get(User, user_id, populate_existing=True)
        if row is None:  # the winner rolled back after all: nothing to refer to
            raise BadRequest(f"User {user_id!r} could not be created; try again.", param="user_id") from None
        return row
    audit.record(actor, "create", "user", user_id, after={"user_id": user_id, "user_role": row.user_role})
    return row
