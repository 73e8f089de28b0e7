"""A JWT caller's Principal (AUTHZ.md "JWT callers"): its role, its team (the one
`x-litellm-team-id` picks among the token's, else a choice by model), and every level it then
belongs to (user, team, membership, organizations), so authz holds it exactly like a key."""

from __future__ import annotations

from typing import Any

from ...errors import PermissionDenied
from ...values import INTERNAL_USER, PROXY_ADMIN, TEAM, Principal, Scope, TeamChoice
from .claims import TokenClaims
from .directory import NO_MODELS, Identity, TeamView
from .settings import JwtSettings

TEAM_HEADER = "x-litellm-team-id"


def narrowed(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    """Two model lists, both holding (empty: every model); nothing in common is no model at all."""
    if not a:
        return b
    if not b:
        return a
    both = tuple(m for m in a if m in b)
    return both or (NO_MODELS,)


def _teams(token: TokenClaims, identity: Identity, header: str | None) -> tuple[TeamView, ...]:
    """The teams the request may act for: the header's (one of the token's), else all the
    token's known teams, else `team_id_default`."""
    teams = identity.teams
    if header is not None:
        chosen = [t for t in teams if t.team_id == header]
        if not chosen:
            raise PermissionDenied(
                f"{TEAM_HEADER} names a team this token does not belong to.", reason="jwt_team_not_granted"
            )
        return tuple(chosen)
    if not teams and (token.team_ids or token.team_aliases):
        raise PermissionDenied(
            "None of this token's teams is known to the gateway (an admin creates them, or "
            "litellm_jwtauth.team_id_upsert does).",
            reason="jwt_team_unknown",
        )
    if teams:
        return teams
    return (identity.default_team,) if identity.default_team is not None else ()


def _choice(view: TeamView, base: tuple[Scope, ...], org: Scope | None, org_id: str | None) -> TeamChoice:
    # The token's organization holds too when it is not the team's own (the narrower wins).
    extra = (org,) if org is not None and org.id != view.organization_id else ()
    scopes = (*base, *view.scopes, *extra)
    return TeamChoice(view.team_id, view.organization_id or org_id, scopes, view.aliases)


def principal_for(
    token: TokenClaims, identity: Identity | None, header: str | None, settings: JwtSettings
) -> Principal:
    """`identity` is None for an admin (the directory is not consulted)."""
    metadata: dict[str, Any] = {}
    if token.email:
        metadata["email"] = token.email
    if token.end_user_id:
        metadata["end_user_id"] = token.end_user_id
    common: dict[str, Any] = {"method": "jwt", "subject": token.subject, "user_id": token.user_id}
    if token.role == PROXY_ADMIN or identity is None:
        # admin_allowed_routes narrows what an admin token may call; unset: the admin's default.
        return Principal(
            role=PROXY_ADMIN, allowed_routes=settings.admin_allowed_routes, metadata=metadata, **common
        )
    teams = _teams(token, identity, header)
    role = token.role or (TEAM if teams else INTERNAL_USER)
    if role == TEAM and not teams:
        raise PermissionDenied("This token's role is team, but it names no team.", reason="jwt_no_team")
    models, routes = settings.allowed_models, settings.team_allowed_routes if role == TEAM else ()
    if settings.enforce_rbac:
        permission = settings.role_permissions.get(role)
        if permission is None:
            raise PermissionDenied(
                f"Role {role} has no general_settings.role_permissions entry (enforce_rbac).",
                reason="jwt_rbac_role",
            )
        models = narrowed(models, permission[0])
        routes = permission[1] or routes
    base = tuple(s for s in (identity.user,) if s is not None)
    choices = tuple(_choice(view, base, identity.organization, token.org_id) for view in teams)
    # One team: the request acts for it. Several: for the first that allows the requested model,
    # chosen once the model is known (authz/teams.py); until then only the user and the token's
    # organization hold (a blocked one of several teams refuses only requests that would use it).
    one = choices[0] if len(choices) == 1 else None
    org_scopes = () if identity.organization is None else (identity.organization,)
    return Principal(
        role=role,
        team_id=one.team_id if one else None,
        organization_id=one.organization_id if one else token.org_id,
        models=models,
        allowed_routes=routes,
        metadata=metadata,
        scopes=one.scopes if one else (*base, *org_scopes),
        aliases=one.aliases if one else (),
        team_choices=choices if len(choices) > 1 else (),
        **common,
    )
