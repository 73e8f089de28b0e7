"""Team operations (/team/*), LiteLLM's shapes; blocking a team invalidates its keys everywhere."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..clock import utcnow
from ..errors import BadRequest, NotFound
from ..extensions import db
from ..keys import bounds
from ..keys.view import key_view
from ..models import Organization, Team, TeamMembership, User, VerificationToken
from ..values import PROXY_ADMIN, Principal
from . import access, fields
from .common import apply, commit, key_tokens, view

# LiteLLM's team member permissions (team_member_permissions): the key routes a team `user` may call.
ALL_MEMBER_PERMISSIONS = (
    "/key/generate",
    "/key/update",
    "/key/delete",
    "/key/info",
    "/key/list",
    "/key/regenerate",
    "/key/block",
    "/key/unblock",
)
DEFAULT_MEMBER_PERMISSIONS = ["/key/info"]


def _row(team_id: str) -> Team:
    row = db.session.get(Team, team_id)
    if row is None:
        raise NotFound(f"Team not found: {team_id!r}.", param="team_id")
    return row


def members(team_id: str) -> list[TeamMembership]:
    return list(
        db.session.scalars(
            sa.select(TeamMembership).where(TeamMembership.team_id == team_id).order_by(TeamMembership.id)
        )
    )


def team_view(row: Team) -> dict[str, Any]:
    joined = sa.select(User.user_id, User.user_email).join(
        TeamMembership, TeamMembership.user_id == User.user_id
    )
    emails = dict(db.session.execute(joined.where(TeamMembership.team_id == row.team_id)).all())
    out = view(row)
    out["team_member_permissions"] = row.team_member_permissions or list(DEFAULT_MEMBER_PERMISSIONS)
    out["members_with_roles"] = [
        {"role": m.role, "user_id": m.user_id, "user_email": emails.get(m.user_id)}
        for m in members(row.team_id)
    ]
    return out


def membership_view(m: TeamMembership) -> dict[str, Any]:
    return view(m, exclude=("id",))


def _check_org(principal: Principal, organization_id: str | None) -> None:
    if organization_id is None:
        if principal.role != PROXY_ADMIN:
            raise BadRequest(
                "An org admin's team needs the `organization_id` it manages.", param="organization_id"
            )
        return
    if principal.role != PROXY_ADMIN and organization_id not in access.admin_orgs(principal):
        raise access.denied("organization", organization_id)  # before the lookup: ids cannot be probed
    if db.session.get(Organization, organization_id) is None:
        raise BadRequest(f"Organization not found: {organization_id!r}.", param="organization_id")


def _user_for(member: dict[str, Any], actor: str) -> str:
    """The member's user id; an unknown user is created, as LiteLLM's member_add does."""
    user_id, email = member.get("user_id"), member.get("user_email")
    if user_id is None and email is None:
        raise BadRequest("A member needs `user_id` or `user_email`.", param="member")
    if user_id is None:
        user_id = db.session.scalar(sa.select(User.user_id).where(User.user_email == email).limit(1))
        if user_id is None:
            user_id = str(uuid.uuid4())
    if db.session.get(User, user_id) is None:
        now = utcnow()
        try:
            with db.session.begin_nested():  # a concurrent member_add may create the same user
                db.session.add(
                    User(user_id=user_id, user_email=email, user_role="internal_user", models=[], meta={},
                         spend=0.0, blocked=False, created_at=now, updated_at=now, version=1)
                )  # fmt: skip
            audit.record(actor, "create", "user", user_id, after={"user_id": user_id, "user_email": email})
        except IntegrityError:
            pass
    return user_id


def _add_member(team: Team, member: dict[str, Any], budget: float | None, actor: str) -> TeamMembership:
    user_id = _user_for(member, actor)
    m = TeamMembership(team_id=team.team_id, user_id=user_id, role=member.get("role", "user"),
                       max_budget_in_team=budget if budget is not None else team.team_member_budget,
                       rpm_limit=team.team_member_rpm_limit, tpm_limit=team.team_member_tpm_limit,
                       allowed_models=[], spend=0.0, created_at=utcnow())  # fmt: skip
    try:
        with db.session.begin_nested():  # the unique (team_id, user_id): concurrent adds make one
            db.session.add(m)
    except IntegrityError:
        raise BadRequest(
            f"User {user_id!r} is already a member of team {team.team_id!r}.", param="member"
        ) from None
    audit.record(actor, "create", "team_member", f"{team.team_id}:{user_id}", after=membership_view(m))
    return m


def new(body: dict[str, Any], principal: Principal, actor: str) -> dict[str, Any]:
    values = fields.validate(body, fields.TeamNewRequest)
    team_id = values.pop("team_id", None) or str(uuid.uuid4())
    wanted = values.pop("members_with_roles", None) or []
    _check_org(principal, values.get("organization_id"))
    bounds.check_team(values, None)
    if db.session.get(Team, team_id) is not None:
        raise BadRequest(f"A team with team_id {team_id!r} already exists.", param="team_id")
    now = utcnow()
    row = Team(
        team_id=team_id,
        models=[],
        meta={},
        spend=0.0,
        blocked=False,
        created_at=now,
        updated_at=now,
        version=1,
    )
    apply(row, values)
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise BadRequest(f"A team with team_id {team_id!r} already exists.", param="team_id") from None
    audit.record(actor, "create", "team", team_id, after=view(row))
    for member in wanted:
        _add_member(row, member, None, actor)
    commit(conflict=f"A team with team_id {team_id!r} already exists.", param="team_id")
    return team_view(row)


def info(team_id: str, principal: Principal) -> dict[str, Any]:
    access.require_team_reader(principal, team_id)
    row = _row(team_id)
    keys = db.session.scalars(sa.select(VerificationToken).where(VerificationToken.team_id == team_id))
    return {
        "team_id": team_id,
        "team_info": team_view(row),
        "keys": [key_view(k) for k in keys],
        "team_memberships": [membership_view(m) for m in members(team_id)],
    }


def _change(team_id: str, principal: Principal, actor: str, action: str, values: dict[str, Any]) -> Team:
    access.require_team_manager(principal, team_id)
    if not access.governs_team(principal, team_id):
        bounds.check_team_admin_fields(values, team_id)
    row = _row(team_id)
    bounds.check_team(values, row)
    if "organization_id" in values and values["organization_id"] != row.organization_id:
        _check_org(principal, values["organization_id"])
    before = view(row)
    apply(row, values)
    row.version += 1
    row.updated_at = utcnow()
    audit.record(actor, action, "team", team_id, before, view(row))
    # Block, models and limits narrow what the team's keys may do: their records change everywhere.
    commit(key_tokens(VerificationToken.team_id == team_id))
    return row


def update(body: dict[str, Any], principal: Principal, actor: str) -> dict[str, Any]:
    values = fields.validate(body, fields.TeamUpdateRequest)
    team_id = values.pop("team_id")
    row = _change(team_id, principal, actor, "update", values)
    return {"team_id": team_id, "data": team_view(row)}


def set_blocked(body: dict[str, Any], blocked: bool, principal: Principal, actor: str) -> dict[str, Any]:
    team_id = fields.validate(body, fields.TeamRef)["team_id"]
    return team_view(
        _change(team_id, principal, actor, "block" if blocked else "unblock", {"blocked": blocked})
    )


def models(body: dict[str, Any], add: bool, principal: Principal, actor: str) -> dict[str, Any]:
    values = fields.validate(body, fields.TeamModelRequest)
    row = _row(values["team_id"]) if access.manages_team(principal, values["team_id"]) else None
    if row is None:
        raise access.denied("team", values["team_id"])
    current = list(row.models or [])
    if add:
        new_models = current + [m for m in values["models"] if m not in current]
    else:
        new_models = [m for m in current if m not in values["models"]]
    return team_view(
        _change(row.team_id, principal, actor, "model_add" if add else "model_delete", {"models": new_models})
    )


def delete(body: dict[str, Any], principal: Principal, actor: str) -> dict[str, Any]:
    """Deletes the teams, their memberships and their keys, as LiteLLM's /team/delete does."""
    team_ids = list(dict.fromkeys(fields.validate(body, fields.TeamDeleteRequest)["team_ids"]))
    for team_id in team_ids:
        access.require_team_governor(principal, team_id)
    rows = [_row(t) for t in team_ids]
    stale = key_tokens(VerificationToken.team_id.in_(team_ids))
    for row in rows:
        audit.record(actor, "delete", "team", row.team_id, before=view(row))
        db.session.delete(row)
    commit(stale)
    return {"deleted_teams": team_ids}


def list_teams(page: int, size: int, filters: dict[str, Any], principal: Principal) -> list[dict[str, Any]]:
    """LiteLLM's /team/list answers a list; a caller that reads all sees every team, others theirs."""
    query = sa.select(Team)
    user_id = filters.get("user_id")
    if not access.reads_all(principal):
        orgs = access.admin_orgs(principal)
        mine = sa.select(TeamMembership.team_id).where(TeamMembership.user_id == (principal.user_id or ""))
        query = query.where(sa.or_(Team.team_id.in_(mine), Team.organization_id.in_(orgs)))
    if user_id:
        query = query.where(
            Team.team_id.in_(sa.select(TeamMembership.team_id).where(TeamMembership.user_id == user_id))
        )
    if filters.get("organization_id"):
        query = query.where(Team.organization_id == filters["organization_id"])
    if filters.get("team_alias"):
        query = query.where(Team.team_alias == filters["team_alias"])
    rows = db.session.scalars(
        query.order_by(Team.created_at, Team.team_id).offset((page - 1) * size).limit(size)
    )
    return [team_view(r) for r in rows]


def member_add(body: dict[str, Any], principal: Principal, actor: str) -> dict[str, Any]:
    values = fields.validate(body, fields.TeamMemberAddRequest)
    access.require_team_manager(principal, values["team_id"])
    team = _row(values["team_id"])
    bounds.check_member(values, None, team)
    wanted = values["member"] if isinstance(values["member"], list) else [values["member"]]
    added = [_add_member(team, m, values.get("max_budget_in_team"), actor) for m in wanted]
    db.session.flush()
    # A member's keys in the team now carry its membership (its models, budget and limits there).
    users = [m.user_id for m in added]
    stale = key_tokens(
        sa.and_(VerificationToken.team_id == team.team_id, VerificationToken.user_id.in_(users))
    )
    commit(stale, conflict="This user is already a member of the team.", param="member")
    users = [db.session.get(User, m.user_id) for m in added]
    return {
        **team_view(team),
        "updated_users": [view(u) for u in users if u is not None],
        "updated_team_memberships": [membership_view(m) for m in added],
    }


def _membership(values: dict[str, Any]) -> TeamMembership:
    user_id = values.get("user_id")
    if user_id is None and values.get("user_email"):
        user_id = db.session.scalar(
            sa.select(User.user_id).where(User.user_email == values["user_email"]).limit(1)
        )
    if user_id is None and not values.get("user_email"):
        raise BadRequest("Give `user_id` or `user_email`.", param="user_id")
    m = db.session.scalar(
        sa.select(TeamMembership).where(
            TeamMembership.team_id == values["team_id"], TeamMembership.user_id == user_id
        )
    )
    if m is None:
        raise NotFound("That user is not a member of the team.", param="user_id")
    return m


def member_delete(body: dict[str, Any], principal: Principal, actor: str) -> dict[str, Any]:
    """Removes the membership and the member's keys in that team (their team access ends)."""
    values = fields.validate(body, fields.TeamMemberDeleteRequest)
    access.require_team_manager(principal, values["team_id"])
    team = _row(values["team_id"])
    m = _membership(values)
    where = sa.and_(VerificationToken.team_id == team.team_id, VerificationToken.user_id == m.user_id)
    stale = key_tokens(where)
    db.session.execute(sa.delete(VerificationToken).where(where))
    audit.record(actor, "delete", "team_member", f"{team.team_id}:{m.user_id}", before=membership_view(m))
    db.session.delete(m)
    commit(stale)
    return team_view(team)


def member_update(body: dict[str, Any], principal: Principal, actor: str) -> dict[str, Any]:
    values = fields.validate(body, fields.TeamMemberUpdateRequest)
    access.require_team_manager(principal, values["team_id"])
    team = _row(values["team_id"])
    m = _membership(values)
    before = membership_view(m)
    changes = {k: v for k, v in values.items() if k not in ("team_id", "user_id", "user_email")}
    if changes.get("role") is None:
        changes.pop("role", None)
    bounds.check_member(changes, m, team)
    apply(m, changes)
    audit.record(actor, "update", "team_member", f"{team.team_id}:{m.user_id}", before, membership_view(m))
    commit(
        key_tokens(sa.and_(VerificationToken.team_id == team.team_id, VerificationToken.user_id == m.user_id))
    )
    user = db.session.get(User, m.user_id)
    return {
        "team_id": team.team_id,
        "user_id": m.user_id,
        "user_email": user.user_email if user else None,
        "role": m.role,
        "max_budget_in_team": m.max_budget_in_team,
        "tpm_limit": m.tpm_limit,
        "rpm_limit": m.rpm_limit,
        "allowed_models": m.allowed_models,
    }


def permissions_list(team_id: str, principal: Principal) -> dict[str, Any]:
    access.require_team_reader(principal, team_id)
    row = _row(team_id)
    return {
        "team_id": team_id,
        "team_member_permissions": row.team_member_permissions or list(DEFAULT_MEMBER_PERMISSIONS),
        "all_available_permissions": list(ALL_MEMBER_PERMISSIONS),
    }


def permissions_update(body: dict[str, Any], principal: Principal, actor: str) -> dict[str, Any]:
    values = fields.validate(body, fields.TeamPermissionsUpdateRequest)
    unknown = [p for p in values["team_member_permissions"] if p not in ALL_MEMBER_PERMISSIONS]
    if unknown:
        raise BadRequest(
            f"Unknown team member permission {unknown[0]!r}; known: {', '.join(ALL_MEMBER_PERMISSIONS)}.",
            param="team_member_permissions",
        )
    row = _change(
        values["team_id"], principal, actor, "permissions_update",
        {"team_member_permissions": list(dict.fromkeys(values["team_member_permissions"]))},
    )  # fmt: skip
    return team_view(row)
