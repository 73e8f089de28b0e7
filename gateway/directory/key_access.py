"""Who may act on which key: an internal user its own keys, a team admin its team's (AUTHZ.md).

Escalations LiteLLM had (#7336, #8031, #8029): an internal user minting a key for another
user_id, or with models its user lacks. Both are 403 here; a key id that is not the caller's is
refused with the same message whether it exists or not.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ..errors import PermissionDenied
from ..extensions import db
from ..keys.secrets import to_hash
from ..models import DeprecatedToken, Team, User, VerificationToken
from ..values import PROXY_ADMIN, Principal
from . import access

ALL = frozenset({"*", "all-proxy-models"})


def _member_may(principal: Principal, team_id: str, route: str) -> bool:
    if access.manages_team(principal, team_id):
        return True
    if access.team_role(principal, team_id) != "user":
        return False
    perms = db.session.scalar(sa.select(Team.team_member_permissions).where(Team.team_id == team_id))
    return route in (perms or ["/key/info"])


def check_generate(principal: Principal, body: dict[str, Any]) -> dict[str, Any]:
    """The body a non-admin may send: its own user_id (filled in when absent), a team it may
    mint keys in, and only models its user has."""
    if principal.role == PROXY_ADMIN or not isinstance(body, dict):
        return body
    team_id = body.get("team_id")
    user_id = body.get("user_id")
    if user_id is None:
        body = {**body, "user_id": principal.user_id}
        user_id = principal.user_id
    if user_id is None:
        raise PermissionDenied("This caller is no user: it cannot own keys.", param="user_id")
    if isinstance(team_id, str) and team_id:
        if not _member_may(principal, team_id, "/key/generate"):
            raise access.denied("team", team_id)
        if user_id != principal.user_id and not access.manages_team(principal, team_id):
            raise access.denied("user", user_id)
    elif user_id != principal.user_id:
        raise access.denied("user", user_id)
    _check_models(principal, body)
    return body


def _check_models(principal: Principal, body: dict[str, Any]) -> None:
    """A personal key has at most its user's models (empty: all)."""
    if body.get("team_id") or not principal.user_id:
        return
    mine = db.session.scalar(sa.select(User.models).where(User.user_id == principal.user_id)) or []
    if not mine or not ALL.isdisjoint(mine):
        return
    wanted = body.get("models") or []
    if not isinstance(wanted, list):
        return  # the body's own validation names the type error
    if not wanted:
        raise PermissionDenied(
            f"Your user may use only {', '.join(mine)}: give the key's `models` within them.", param="models"
        )
    outside = [m for m in wanted if m not in mine]
    if outside:
        raise PermissionDenied(f"Your user may not use model {outside[0]!r}.", param="models")


def key_row(key_or_hash: str) -> VerificationToken | None:
    token = to_hash(key_or_hash)
    row = db.session.get(VerificationToken, token)
    if row is None:
        dep = db.session.get(DeprecatedToken, token)
        row = db.session.get(VerificationToken, dep.new_token) if dep is not None else None
    return row


def check_key(principal: Principal, key_or_hash: Any, route: str, write: bool = True) -> None:
    """The caller's own key, or a key of a team it manages (a member: as the team's permissions
    allow); anything else, existing or not, is the same 403."""
    if principal.role == PROXY_ADMIN or (not write and access.reads_all(principal)):
        return
    if not isinstance(key_or_hash, str) or not key_or_hash:
        return  # the body's own validation names it
    row = key_row(key_or_hash)
    if row is not None:
        # A team key is the team's (AUTHZ.md): its own user too acts on it only as the team's
        # member permissions allow; a personal key is its user's.
        if not row.team_id and row.user_id is not None and row.user_id == principal.user_id:
            return
        if (
            row.team_id
            and _member_may(principal, row.team_id, route)
            and (access.manages_team(principal, row.team_id) or row.user_id == principal.user_id)
        ):
            return
    raise PermissionDenied("You may not act on this key.", param="key")


def check_update(principal: Principal, body: dict[str, Any], route: str = "/key/update") -> None:
    """An update (or a regeneration, which carries the same settings) may not move a key to
    another user or into a team the caller does not manage, nor give it models its user lacks."""
    if principal.role == PROXY_ADMIN or not isinstance(body, dict):
        return
    check_key(principal, body.get("key"), route)
    user_id = body.get("user_id")
    if "user_id" in body and user_id != principal.user_id:
        team = body.get("team_id") or getattr(key_row(str(body.get("key"))), "team_id", None)
        if not (team and access.manages_team(principal, team)):
            raise access.denied("user", user_id)
    team_id = body.get("team_id")
    if isinstance(team_id, str) and team_id and not access.manages_team(principal, team_id):
        raise access.denied("team", team_id)
    if "models" in body:
        _check_models(
            principal,
            {
                **body,
                "team_id": body.get("team_id") or getattr(key_row(str(body.get("key"))), "team_id", None),
            },
        )
