"""A JWT caller with several teams and no `x-litellm-team-id`: the request acts for the first of
its teams (in the token's order) that allows the requested model and is not blocked; if none
does, for the first, whose refusal (403, or 401 blocked) then names the level."""

from __future__ import annotations

import dataclasses

from ..values import CUSTOMER, Principal, TeamChoice
from . import authorize_scopes
from .access import ModelAccess


def for_team(principal: Principal, choice: TeamChoice) -> Principal:
    return dataclasses.replace(
        principal,
        team_id=choice.team_id,
        organization_id=choice.organization_id,
        scopes=(*choice.scopes, *(s for s in principal.scopes if s.level == CUSTOMER)),
        aliases=choice.aliases,
        team_choices=(),
    )


def choose_team(principal: Principal, model: str, access: ModelAccess) -> Principal:
    """The principal acting for its chosen team; 401 if that team (or its organization) is
    blocked: the guard saw only the levels common to every choice."""
    if not principal.team_choices:
        return principal
    for choice in principal.team_choices:
        candidate = for_team(principal, choice)
        if any(s.blocked for s in candidate.scopes):
            continue
        if access.refusing(candidate, model, access.resolve(candidate, model), None) is None:
            return candidate
    chosen = for_team(principal, principal.team_choices[0])
    authorize_scopes(chosen)
    return chosen


def visible_to_any_team(principal: Principal, names: list[str], access: ModelAccess) -> list[str]:
    """/models for such a caller: what it could call through any of its teams, in list order."""
    if not principal.team_choices:
        return access.visible(principal, names)
    seen: dict[str, None] = {}
    for choice in principal.team_choices:
        candidate = for_team(principal, choice)
        if not any(s.blocked for s in candidate.scopes):
            seen.update(dict.fromkeys(access.visible(candidate, names)))
    return list(seen)
