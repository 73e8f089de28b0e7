"""Ownership on the object: whose user, team or key a caller may read or change.

The route table (authz/routes.py) lets a role reach a route; these checks decide on the object.
A refusal says the same whether the object exists or not, so ids cannot be probed.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..errors import PermissionDenied
from ..extensions import db
from ..models import OrganizationMembership, Team, TeamMembership, User
from ..values import ORG_ADMIN, PROXY_ADMIN, PROXY_ADMIN_VIEWER, Principal

READ_ALL = frozenset({PROXY_ADMIN, PROXY_ADMIN_VIEWER})


def reads_all(principal: Principal) -> bool:
    return principal.role in READ_ALL


def denied(kind: str, object_id: str | None) -> PermissionDenied:
    return PermissionDenied(f"You may not act on {kind} {object_id!r}.", param=f"{kind}_id")


def admin_orgs(principal: Principal) -> set[str]:
    """The organizations the caller is an org_admin of (its global role must be org_admin too)."""
    if principal.role != ORG_ADMIN or not principal.user_id:
        return set()
    return set(
        db.session.scalars(
            sa.select(OrganizationMembership.organization_id).where(
                OrganizationMembership.user_id == principal.user_id,
                OrganizationMembership.user_role == ORG_ADMIN,
            )
        )
    )


def team_role(principal: Principal, team_id: str) -> str | None:
    if not principal.user_id:
        return None
    return db.session.scalar(
        sa.select(TeamMembership.role).where(
            TeamMembership.team_id == team_id, TeamMembership.user_id == principal.user_id
        )
    )


def governs_team(principal: Principal, team_id: str) -> bool:
    """proxy_admin, or the org_admin of the team's organization: all of the team is theirs."""
    if principal.role == PROXY_ADMIN:
        return True
    orgs = admin_orgs(principal)
    if not orgs:
        return False
    return db.session.scalar(sa.select(Team.organization_id).where(Team.team_id == team_id)) in orgs


def manages_team(principal: Principal, team_id: str) -> bool:
    """Those who govern the team, and the team's own admin (within the team's bounds)."""
    if principal.role == PROXY_ADMIN:
        return True
    if principal.role == PROXY_ADMIN_VIEWER or principal.role.endswith("_viewer"):
        return False
    return governs_team(principal, team_id) or team_role(principal, team_id) == "admin"


def require_team_manager(principal: Principal, team_id: str) -> None:
    if not manages_team(principal, team_id):
        raise denied("team", team_id)


def require_team_governor(principal: Principal, team_id: str) -> None:
    if not governs_team(principal, team_id):
        raise denied("team", team_id)


def require_team_reader(principal: Principal, team_id: str) -> None:
    if reads_all(principal) or manages_team(principal, team_id) or team_role(principal, team_id):
        return
    raise denied("team", team_id)


def require_known_user(principal: Principal) -> None:
    """A non-admin manages things as a user of the gateway: its user must exist (LiteLLM creates
    JWT users only with `user_id_upsert`, not implemented here)."""
    if not principal.user_id or db.session.get(User, principal.user_id) is None:
        raise PermissionDenied("This caller is not a user of the gateway: ask an admin to add it.")
