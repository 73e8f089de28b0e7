"""User operations (/user/new, info, update, delete, list), LiteLLM's shapes, audited and invalidating."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from .. import audit
from ..clock import utcnow
from ..errors import BadRequest, NotFound, PermissionDenied
from ..extensions import db
from ..keys import service as keys
from ..keys.view import key_view
from ..models import OrganizationMembership, Team, TeamMembership, User, VerificationToken
from ..values import ORG_ADMIN, PROXY_ADMIN, Principal
from . import access, fields
from .common import apply, commit, key_tokens, page_of, view

# What an org admin may make (PR #19116: LiteLLM let it mint a proxy_admin through /user/new).
ORG_ADMIN_MAY_GRANT = frozenset({"internal_user", "internal_user_viewer"})
KEY_FIELDS = ("key_alias", "duration", "models", "max_budget", "budget_duration", "tpm_limit", "rpm_limit")


def _row(user_id: str) -> User:
    row = db.session.get(User, user_id)
    if row is None:
        raise NotFound(f"User not found: {user_id!r}.", param="user_id")
    return row


def user_view(row: User) -> dict[str, Any]:
    teams = db.session.scalars(
        sa.select(TeamMembership.team_id)
        .where(TeamMembership.user_id == row.user_id)
        .order_by(TeamMembership.id)
    )
    return {**view(row), "teams": list(teams)}


def _check_grant(principal: Principal, role: str | None) -> None:
    if role is None or principal.role == PROXY_ADMIN:
        return
    if principal.role == ORG_ADMIN and role in ORG_ADMIN_MAY_GRANT:
        return
    raise PermissionDenied(f"You may not create or change a user with user_role {role!r}.", param="user_role")


def _require_manager(principal: Principal, user_id: str) -> None:
    """proxy_admin, or an org_admin of an organization the user belongs to."""
    if principal.role == PROXY_ADMIN:
        return
    orgs = access.admin_orgs(principal)
    if orgs and db.session.scalar(
        sa.select(OrganizationMembership.id).where(
            OrganizationMembership.user_id == user_id, OrganizationMembership.organization_id.in_(orgs)
        )
    ):
        return
    raise access.denied("user", user_id)


def new(body: dict[str, Any], principal: Principal, actor: str) -> dict[str, Any]:
    values = fields.validate(body, fields.UserNewRequest)
    _check_grant(principal, values.get("user_role"))
    user_id = values.pop("user_id", None) or str(uuid.uuid4())
    teams = values.pop("teams", None) or []
    auto_key = values.pop("auto_create_key", None)
    values.pop("send_invite_email", None)
    key_body = {n: values.pop(n) for n in ("key_alias", "duration") if n in values}
    if db.session.get(User, user_id) is not None:
        raise BadRequest(f"A user with user_id {user_id!r} already exists.", param="user_id")
    for team_id in teams:  # refused before looked up: a missing team reads as another's
        access.require_team_manager(principal, team_id)
        if db.session.get(Team, team_id) is None:
            raise BadRequest(f"Team not found: {team_id!r}.", param="teams")
    now = utcnow()
    row = User(user_id=user_id, user_role="internal_user", models=[], meta={}, spend=0.0, blocked=False,
               created_at=now, updated_at=now, version=1)  # fmt: skip
    apply(row, values)
    db.session.add(row)
    db.session.flush()
    for team_id in teams:
        db.session.add(
            TeamMembership(team_id=team_id, user_id=user_id, role="user", allowed_models=[], spend=0.0)
        )
    audit.record(actor, "create", "user", user_id, after=view(row))
    commit(conflict=f"A user with user_id {user_id!r} already exists.", param="user_id")
    out = user_view(row)
    out.update(key=None, token=None, key_name=None, expires=None)
    if auto_key is not False:  # LiteLLM's default: the answer carries a key
        key_body["user_id"] = user_id
        if row.models:
            key_body["models"] = list(row.models)
        made = keys.generate(key_body, actor)
        out.update(key=made["key"], token=made["token"], key_name=made["key_name"], expires=made["expires"])
        if "key_alias" in key_body:
            out["key_alias"] = made.get("key_alias")
    return out


def info(user_id: str | None, principal: Principal) -> dict[str, Any]:
    user_id = user_id or principal.user_id
    if user_id is None:
        raise BadRequest("Give `?user_id=`: this caller is no user.", param="user_id")
    if user_id != principal.user_id and not access.reads_all(principal):
        _require_manager(principal, user_id)  # an org admin reads its organizations' users
    row = _row(user_id)
    key_rows = db.session.scalars(
        sa.select(VerificationToken)
        .where(VerificationToken.user_id == user_id)
        .order_by(VerificationToken.created_at)
    )
    team_rows = db.session.scalars(
        sa.select(Team)
        .join(TeamMembership, TeamMembership.team_id == Team.team_id)
        .where(TeamMembership.user_id == user_id)
    )
    return {
        "user_id": user_id,
        "user_info": user_view(row),
        "keys": [key_view(k) for k in key_rows],
        "teams": [view(t) for t in team_rows],
    }


def update(body: dict[str, Any], principal: Principal, actor: str) -> dict[str, Any]:
    values = fields.validate(body, fields.UserUpdateRequest)
    user_id, email = values.pop("user_id", None), values.get("user_email")
    if user_id is None:
        if email is None:
            raise BadRequest("Give `user_id` or `user_email`.", param="user_id")
        user_id = db.session.scalar(sa.select(User.user_id).where(User.user_email == email).limit(1))
        if user_id is None:
            raise NotFound(f"No user has the email {email!r}.", param="user_email")
    _require_manager(principal, user_id)
    _check_grant(principal, values.get("user_role"))
    row = _row(user_id)
    before = view(row)
    apply(row, values)
    row.version += 1
    row.updated_at = utcnow()
    audit.record(actor, "update", "user", user_id, before, view(row))
    # The owner's role is part of every key record: its keys' cached records change.
    commit(key_tokens(VerificationToken.user_id == user_id))
    return user_view(row)


def delete(body: dict[str, Any], principal: Principal, actor: str) -> dict[str, Any]:
    """Deletes the users, their keys and their memberships (LiteLLM's /user/delete; ON DELETE CASCADE)."""
    user_ids = list(dict.fromkeys(fields.validate(body, fields.UserDeleteRequest)["user_ids"]))
    for user_id in user_ids:
        _require_manager(principal, user_id)
    rows = [_row(u) for u in user_ids]
    stale = key_tokens(VerificationToken.user_id.in_(user_ids))  # before the cascade removes them
    for row in rows:
        audit.record(actor, "delete", "user", row.user_id, before=view(row))
        db.session.delete(row)
    commit(stale)
    return {"deleted_users": user_ids}


def list_users(page: int, size: int, filters: dict[str, Any], principal: Principal) -> dict[str, Any]:
    query = sa.select(User)
    if filters.get("user_id"):
        query = query.where(User.user_id.in_(filters["user_id"].split(",")))
    if filters.get("user_email"):
        query = query.where(User.user_email == filters["user_email"])
    if filters.get("role"):
        query = query.where(User.user_role == filters["role"])
    if filters.get("team_id"):
        query = query.join(TeamMembership, TeamMembership.user_id == User.user_id).where(
            TeamMembership.team_id == filters["team_id"]
        )
    if not access.reads_all(principal):  # an org admin: the users of its organizations
        members = sa.select(OrganizationMembership.user_id).where(
            OrganizationMembership.organization_id.in_(access.admin_orgs(principal))
        )
        query = query.where(User.user_id.in_(members))
    rows, total = page_of(query, (User.created_at.desc(), User.user_id), page, size)
    return {
        "users": [user_view(r) for r in rows],
        "total": total,
        "page": page,
        "page_size": size,
        "total_pages": (total + size - 1) // size,
    }
