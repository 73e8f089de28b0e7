"""A team's bounds: its keys, its members and its member defaults stay within the team (AUTHZ.md).

LiteLLM accepts a key limit above its team's and never applies it (#40866); here every such
write is a 400 naming both values, whoever the caller is. A team's own admin manages its
members and keys within these bounds, and may change only the team's name, metadata and
member permissions: models, budgets, limits and blocking are its organization's admin's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import BadRequest, PermissionDenied
from ..models import Team
from ..stages import stages

ALL = frozenset({"*", "all-proxy-models"})
# own field → the team field it may not exceed
KEY_LIMITS = {
    "max_budget": "max_budget",
    "tpm_limit": "tpm_limit",
    "rpm_limit": "rpm_limit",
    "max_parallel_requests": "max_parallel_requests",
}
MEMBER_LIMITS = {"max_budget_in_team": "max_budget", "tpm_limit": "tpm_limit", "rpm_limit": "rpm_limit"}
MEMBER_DEFAULTS = {
    "team_member_budget": "max_budget",
    "team_member_tpm_limit": "tpm_limit",
    "team_member_rpm_limit": "rpm_limit",
}
TEAM_ADMIN_FIELDS = frozenset({"team_alias", "metadata", "team_member_permissions"})


def _value(values: Mapping[str, Any], current: Any, name: str) -> Any:
    """The value after the write: the given one, else the row's."""
    return values[name] if name in values else getattr(current, name, None)


def _within(what: str, values: Mapping[str, Any], current: Any, team: Team, pairs: Mapping[str, str]) -> None:
    for mine_name, theirs_name in pairs.items():
        mine = _value(values, current, mine_name)
        theirs = getattr(team, theirs_name, None)
        if mine is not None and theirs is not None and mine > theirs:
            raise BadRequest(
                f"{what} {mine_name} {mine} is above team {team.team_id!r}'s {theirs_name} {theirs}.",
                param=mine_name,
            )


def models_within(what: str, models: list[str], team: Team, param: str) -> None:
    """Named models must be the team's (a team with no list, or an all-models entry, has all)."""
    allowed = list(team.models or [])
    if not allowed or not ALL.isdisjoint(allowed):
        return
    access = stages().access  # access groups: a team's group grants the models that carry it
    granted = access.expand(tuple(allowed)) or frozenset()

    def within(m: str) -> bool:
        group = access.groups.get(m)
        return m in granted or (group is not None and group <= granted)

    outside = [m for m in models or [] if m != "all-team-models" and not within(m)]
    if outside:
        raise BadRequest(
            f"{what} model {outside[0]!r} is not in team {team.team_id!r}'s models ({', '.join(allowed)}).",
            param=param,
        )


def check_key(values: Mapping[str, Any], current: Any, team: Team) -> None:
    """A key in `team` (written with `values` over the `current` row): models and limits within."""
    models = values["models"] if "models" in values else list(getattr(current, "models", None) or [])
    models_within("Key", models, team, "models")
    _within("Key", values, current, team, KEY_LIMITS)


def check_member(values: Mapping[str, Any], current: Any, team: Team) -> None:
    """A membership's own budget, limits and allowed models within its team's."""
    _within("Member", values, current, team, MEMBER_LIMITS)
    if "allowed_models" in values:
        models_within("Member", values["allowed_models"] or [], team, "allowed_models")


def check_team(values: Mapping[str, Any], team: Any) -> None:
    """The team's member defaults within the team's own budget and limits, both after the write
    (`team` is the row, or None for a new team)."""
    for mine_name, theirs_name in MEMBER_DEFAULTS.items():
        mine, theirs = _value(values, team, mine_name), _value(values, team, theirs_name)
        if mine is not None and theirs is not None and mine > theirs:
            raise BadRequest(
                f"Team {mine_name} {mine} is above the team's {theirs_name} {theirs}.", param=mine_name
            )


def check_team_admin_fields(values: Mapping[str, Any], team_id: str) -> None:
    """A team's own admin changes only TEAM_ADMIN_FIELDS of it."""
    refused = sorted(set(values) - TEAM_ADMIN_FIELDS)
    if refused:
        raise PermissionDenied(
            f"A team admin may change only {', '.join(sorted(TEAM_ADMIN_FIELDS))} of team {team_id!r}; "
            f"not {', '.join(refused)}.",
            param=refused[0],
        )
