"""Organizations and their members (LiteLLM's /organization/*): validate → check the caller →
write → audit → commit → invalidate.

Deleting an organization does what LiteLLM's delete_organization does: it deletes the
organization's teams, its memberships and every key of the organization or of its teams (it
does not refuse while teams exist). Those keys stop working everywhere at once (keycache).
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..audit import record as audit
from ..clock import utcnow
from ..errors import BadRequest, NotFound, PermissionDenied
from ..extensions import db
from ..models import DeprecatedToken, Organization, OrganizationMembership, Team, TeamMembership, User
from ..models import VerificationToken as Key
from ..stages import stages
from ..values import Principal
from . import org_fields as fields
from .common import apply, key_tokens
from .common import view as plain

READ_ALL = frozenset({"proxy_admin", "proxy_admin_viewer"})
ADMIN_ROLES = frozenset({"proxy_admin", "proxy_admin_viewer"})
# What an org admin may change on its own organization: not its models, budget, limits or block.
ORG_ADMIN_MAY_SET = frozenset({"organization_alias", "metadata"})
BUDGET_FIELDS = ("max_budget", "budget_duration", "budget_reset_at", "tpm_limit", "rpm_limit")


def _denied(organization_id: str | None) -> PermissionDenied:
    """The same words whether the organization exists or not: ids cannot be probed."""
    return PermissionDenied(f"You may not act on organization {organization_id!r}.", param="organization_id")


def _role_in(principal: Principal, organization_id: str) -> str | None:
    if not principal.user_id:
        return None
    return db.session.scalar(
        sa.select(OrganizationMembership.user_role).where(
            OrganizationMembership.organization_id == organization_id,
            OrganizationMembership.user_id == principal.user_id,
        )
    )


def manages(principal: Principal, organization_id: str) -> bool:
    """proxy_admin; an org_admin (its global role) who is org_admin of this organization."""
    if principal.role == "proxy_admin":
        return True
    return principal.role == "org_admin" and _role_in(principal, organization_id) == "org_admin"


def _require_manager(principal: Principal, organization_id: str) -> Organization:
    row = db.session.get(Organization, organization_id)
    if not manages(principal, organization_id):
        raise _denied(organization_id)
    if row is None:
        raise NotFound(f"Organization not found: {organization_id}", param="organization_id")
    return row


def _require_reader(principal: Principal, organization_id: str) -> Organization:
    row = db.session.get(Organization, organization_id)
    if principal.role not in READ_ALL and _role_in(principal, organization_id) is None:
        raise _denied(organization_id)
    if row is None:
        raise NotFound(f"Organization not found: {organization_id}", param="organization_id")
    return row


def membership_view(m: OrganizationMembership) -> dict[str, Any]:
    """LiteLLM_OrganizationMembershipTable (`spend`: members' own spend is not kept here)."""
    return {**plain(m, exclude=("id",)), "spend": 0.0, "budget_id": None, "litellm_budget_table": None}


def org_view(row: Organization, full: bool = True) -> dict[str, Any]:
    """LiteLLM_OrganizationTableWithMembers; the budget also as `litellm_budget_table`, where
    LiteLLM keeps it, so a LiteLLM client finds it in either place."""
    out = plain(row)
    out["budget_id"] = None
    out["litellm_budget_table"] = {name: out.get(name) for name in BUDGET_FIELDS}
    if full:
        oid = row.organization_id
        out["members"] = [
            membership_view(m)
            for m in db.session.scalars(
                sa.select(OrganizationMembership)
                .where(OrganizationMembership.organization_id == oid)
                .order_by(OrganizationMembership.user_id)
            )
        ]
        out["teams"] = [
            {
                "team_id": t.team_id,
                "team_alias": t.team_alias,
                "models": list(t.models or []),
                "blocked": t.blocked,
            }
            for t in db.session.scalars(
                sa.select(Team).where(Team.organization_id == oid).order_by(Team.team_id)
            )
        ]
    return out


def _commit(
    stale: list[str] | None = None,
    conflict: str = "This organization already exists.",
    param: str | None = None,
) -> None:
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise BadRequest(conflict, param=param) from None
    stages().keycache.invalidate(list(stale or ()))  # empty too: JWT callers follow the epoch


def new(body: dict[str, Any], principal: Principal, actor: str) -> dict[str, Any]:
    values = fields.validate(body, fields.NewOrganizationRequest)
    if principal.role != "proxy_admin":
        raise PermissionDenied("Only proxy admins may create organizations.")
    oid = values.pop("organization_id", None) or str(uuid.uuid4())
    if db.session.get(Organization, oid) is not None:
        raise BadRequest(f"Organization already exists: {oid}", param="organization_id")
    now = utcnow()
    row = Organization(
        organization_id=oid,
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
    db.session.flush()
    audit(actor, "create", "organization", oid, after=plain(row))
    _commit(param="organization_id")
    return org_view(row)


def info(organization_id: str, principal: Principal) -> dict[str, Any]:
    return org_view(_require_reader(principal, organization_id))


def info_many(organization_ids: list[str], principal: Principal) -> list[dict[str, Any]]:
    """LiteLLM's deprecated POST /organization/info: a list of organizations."""
    return [org_view(_require_reader(principal, oid)) for oid in organization_ids]


def update(body: dict[str, Any], principal: Principal, actor: str) -> dict[str, Any]:
    values = fields.validate(body, fields.UpdateOrganizationRequest)
    oid = values.pop("organization_id")
    row = _require_manager(principal, oid)
    if principal.role != "proxy_admin":
        beyond = sorted(set(values) - ORG_ADMIN_MAY_SET)
        if beyond:
            raise PermissionDenied(
                f"Only proxy admins may change an organization's `{beyond[0]}`.", param=beyond[0]
            )
    before = plain(row)
    apply(row, values)
    row.version += 1
    row.updated_at = utcnow()
    db.session.flush()
    audit(actor, "update", "organization", oid, before=before, after=plain(row))
    # Its models, limits, budget and block are part of the records of its keys and its teams' keys.
    teams = sa.select(Team.team_id).where(Team.organization_id == oid)
    _commit(key_tokens(sa.or_(Key.organization_id == oid, Key.team_id.in_(teams))), param="organization_id")
    return org_view(row)


def _keys_of(oid: str) -> list[str]:
    """The hashes of every key of the organization or of its teams, with their deprecated hashes."""
    teams = sa.select(Team.team_id).where(Team.organization_id == oid)
    where = sa.or_(Key.organization_id == oid, Key.team_id.in_(teams))
    tokens = list(db.session.scalars(sa.select(Key.token).where(where)))
    if not tokens:
        return []
    older = db.session.scalars(sa.select(DeprecatedToken.token).where(DeprecatedToken.new_token.in_(tokens)))
    return [*tokens, *older]


def delete(body: dict[str, Any], principal: Principal, actor: str) -> list[dict[str, Any]]:
    """Every organization named, or none (an unknown id is a 404 before anything is deleted)."""
    ids = list(dict.fromkeys(fields.validate(body, fields.DeleteOrganizationRequest)["organization_ids"]))
    if principal.role != "proxy_admin":
        raise PermissionDenied("Only proxy admins may delete organizations.")
    rows = [db.session.get(Organization, oid) for oid in ids]
    missing = [oid for oid, row in zip(ids, rows, strict=True) if row is None]
    if missing:
        raise NotFound(f"Organization not found: {missing[0]}", param="organization_ids")
    deleted, stale = [], []
    for row in rows:
        oid = row.organization_id
        deleted.append(org_view(row))
        tokens = _keys_of(oid)
        stale += tokens
        teams = list(db.session.scalars(sa.select(Team.team_id).where(Team.organization_id == oid)))
        # Explicit rather than ON DELETE CASCADE alone: SQLite enforces foreign keys only when asked.
        keys = [t for t in tokens if db.session.get(Key, t) is not None]
        db.session.execute(sa.delete(DeprecatedToken).where(DeprecatedToken.new_token.in_(keys)))
        db.session.execute(sa.delete(Key).where(Key.token.in_(keys)))
        db.session.execute(sa.delete(TeamMembership).where(TeamMembership.team_id.in_(teams)))
        db.session.execute(sa.delete(Team).where(Team.team_id.in_(teams)))
        db.session.execute(
            sa.delete(OrganizationMembership).where(OrganizationMembership.organization_id == oid)
        )
        for token in keys:
            audit(actor, "delete", "key", token, before={"organization_id": oid})
        for team_id in teams:
            audit(actor, "delete", "team", team_id, before={"organization_id": oid})
        audit(actor, "delete", "organization", oid, before=plain(row))
        db.session.delete(row)
    _commit(stale)
    return deleted


def list_organizations(
    principal: Principal, page: int, size: int, organization_id: str | None, org_alias: str | None
) -> list[dict[str, Any]]:
    """Every organization for admins and admin viewers; the caller's own for anyone else."""
    query = sa.select(Organization).order_by(Organization.created_at, Organization.organization_id)
    if principal.role not in READ_ALL:
        mine = sa.select(OrganizationMembership.organization_id).where(
            OrganizationMembership.user_id == (principal.user_id or "")
        )
        query = query.where(Organization.organization_id.in_(mine))
    if organization_id is not None:
        query = query.where(Organization.organization_id == organization_id)
    if org_alias is not None:
        query = query.where(Organization.organization_alias == org_alias)
    rows = db.session.scalars(query.limit(size).offset((page - 1) * size))
    return [org_view(r) for r in rows]


def _user_for(member: dict[str, Any], principal: Principal, actor: str) -> User:
    """The member's user, by id then email; LiteLLM creates an unknown one (an internal user, or
    an org_admin when added as one). An org admin may not bring a proxy admin into its reach."""
    row = db.session.get(User, member["user_id"]) if member.get("user_id") else None
    if row is None and member.get("user_email"):
        found = list(
            db.session.scalars(sa.select(User).where(User.user_email == member["user_email"]).limit(2))
        )
        if len(found) > 1:
            raise BadRequest("More than one user has this email: give `user_id` instead.", param="member")
        row = found[0] if found else None
        if row is not None and member.get("user_id") and row.user_id != member["user_id"]:
            raise BadRequest("`user_id` and `user_email` name different users.", param="member")
    if row is not None:
        if row.user_role in ADMIN_ROLES and principal.role != "proxy_admin":
            raise PermissionDenied(
                "Only proxy admins may add a proxy admin or proxy admin viewer to an organization.",
                param="member",
            )
        return row
    now = utcnow()
    row = User(
        user_id=member.get("user_id") or str(uuid.uuid4()),
        user_email=member.get("user_email"),
        user_role="org_admin" if member["role"] == "org_admin" else "internal_user",
        models=[], meta={}, spend=0.0, blocked=False, created_at=now, updated_at=now, version=1,
    )  # fmt: skip
    db.session.add(row)
    db.session.flush()
    audit(actor, "create", "user", row.user_id, after=plain(row))
    return row


def member_add(body: dict[str, Any], principal: Principal, actor: str) -> dict[str, Any]:
    values = fields.validate(body, fields.OrganizationMemberAddRequest)
    oid = values["organization_id"]
    _require_manager(principal, oid)
    users, memberships = [], []
    for member in values["member"]:
        user = _user_for(member, principal, actor)
        exists = db.session.scalar(
            sa.select(OrganizationMembership.id).where(
                OrganizationMembership.organization_id == oid, OrganizationMembership.user_id == user.user_id
            )
        )
        if exists:
            raise BadRequest(
                f"User {user.user_id!r} is already a member of this organization.", param="member"
            )
        now = utcnow()
        m = OrganizationMembership(
            organization_id=oid,
            user_id=user.user_id,
            user_role=member["role"],
            created_at=now,
            updated_at=now,
        )
        db.session.add(m)
        db.session.flush()
        audit(actor, "member_add", "organization_member", f"{oid}:{user.user_id}", after=membership_view(m))
        users.append(plain(user))
        memberships.append(membership_view(m))
    _commit(conflict="That user is already a member of this organization.", param="member")
    return {"organization_id": oid, "updated_users": users, "updated_organization_memberships": memberships}


def _membership(values: dict[str, Any], principal: Principal) -> tuple[OrganizationMembership, User]:
    oid = values["organization_id"]
    _require_manager(principal, oid)
    user_id = values.get("user_id")
    if user_id is None:
        found = list(
            db.session.scalars(sa.select(User).where(User.user_email == values["user_email"]).limit(2))
        )
        if len(found) != 1:
            raise BadRequest("No single user has this email: give `user_id` instead.", param="user_email")
        user_id = found[0].user_id
    m = db.session.scalar(
        sa.select(OrganizationMembership).where(
            OrganizationMembership.organization_id == oid, OrganizationMembership.user_id == user_id
        )
    )
    if m is None:
        raise NotFound(f"Member not found in organization {oid!r}: {user_id}", param="user_id")
    user = db.session.get(User, user_id)
    if user is not None and user.user_role in ADMIN_ROLES and principal.role != "proxy_admin":
        raise PermissionDenied("Only proxy admins may change a proxy admin's membership.", param="user_id")
    return m, user


def member_update(body: dict[str, Any], principal: Principal, actor: str) -> dict[str, Any]:
    values = fields.validate(body, fields.OrganizationMemberUpdateRequest)
    m, _ = _membership(values, principal)
    before = membership_view(m)
    if values.get("role") is not None:
        m.user_role = values["role"]
    m.updated_at = utcnow()
    db.session.flush()
    audit(
        actor,
        "member_update",
        "organization_member",
        f"{m.organization_id}:{m.user_id}",
        before,
        membership_view(m),
    )
    _commit()
    return membership_view(m)


def member_delete(body: dict[str, Any], principal: Principal, actor: str) -> dict[str, Any]:
    values = fields.validate(body, fields.OrganizationMemberDeleteRequest)
    m, _ = _membership(values, principal)
    view = membership_view(m)
    audit(actor, "member_delete", "organization_member", f"{m.organization_id}:{m.user_id}", before=view)
    db.session.delete(m)
    _commit()
    return view
