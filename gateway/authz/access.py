"""Which models a request may use: the intersection of every level it belongs to (AUTHZ.md).

Key `models` ∩ team `models` ∩ member `allowed_models` (∩ user `models` for a personal key) ∩
organization `models` ∩ customer `models`. At each level `[]`, `*` or `all-proxy-models`
means every model, `all-team-models` (on a key) means the team's (none for a key with no team);
a name that is one of the deployments' `model_info.access_groups` grants that group's models
(an access group no deployment carries grants nothing, unlike LiteLLM #26656). Key `aliases`, then the team's
`model_aliases`, resolve a requested name first; a level allows a request when it lists the
requested name or the model it resolves to.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import PermissionDenied
from ..settings import Deployment
from ..values import Principal, Scope

EVERY = frozenset({"*", "all-proxy-models"})
TEAM_MODELS = "all-team-models"
LEVEL_NAMES = {"user": "user", "team": "team", "member": "team member", "organization": "organization",
               "customer": "customer"}  # fmt: skip
_CACHE_MAX = 10_000


def access_groups(deployments: Iterable[Deployment]) -> dict[str, frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for d in deployments:
        names = d.model_info.get("access_groups") or ()
        for group in names if isinstance(names, list | tuple) else ():
            if isinstance(group, str):
                groups.setdefault(group, set()).add(d.model_name)
    return {g: frozenset(v) for g, v in groups.items()}


class ModelAccess:
    """The stage's model check (built once from the deployments): `resolve`, `check`, `visible`."""

    def __init__(self, deployments: Iterable[Deployment]) -> None:
        self.groups = access_groups(deployments)
        self._expanded: dict[tuple[str, ...], frozenset[str] | None] = {}

    def expand(self, models: tuple[str, ...] | None) -> frozenset[str] | None:
        """A level's list as the set of names it allows; None: it allows every model."""
        if not models:
            return None
        hit = self._expanded.get(models, False)
        if hit is not False:
            return hit  # type: ignore[return-value]
        if not EVERY.isdisjoint(models) or TEAM_MODELS in models:
            allowed: frozenset[str] | None = None  # a key's all-team-models: the team level narrows
        else:
            names = set(models)
            for name in models:
                names |= self.groups.get(name, frozenset())
            allowed = frozenset(names)
        if len(self._expanded) < _CACHE_MAX:
            self._expanded[models] = allowed
        return allowed

    def resolve(self, principal: Principal, model: str) -> str:
        """The model a requested name stands for (the key's aliases, then the team's)."""
        for alias, target in principal.aliases:
            if alias == model:
                return target
        return model

    def refusing(self, principal: Principal, model: str, resolved: str, customer: Scope | None) -> str | None:
        """The first level that does not allow the model (None: every level does)."""
        allowed = self._key_allows(principal)
        if allowed is not None and model not in allowed and resolved not in allowed:
            return "key"
        for scope in self._levels(principal, customer):
            allowed = self.expand(scope.models)
            if allowed is not None and model not in allowed and resolved not in allowed:
                return scope.level
        return None

    def _key_allows(self, principal: Principal) -> frozenset[str] | None:
        """The key level. `all-team-models` stands for the team's models, so on a key with no team
        it allows nothing (LiteLLM reads it as every model there)."""
        if principal.team_id is None and TEAM_MODELS in principal.models:
            rest = tuple(m for m in principal.models if m != TEAM_MODELS)
            return self.expand(rest) if rest else frozenset()
        return self.expand(principal.models)

    @staticmethod
    def _levels(principal: Principal, customer: Scope | None) -> Iterable[Scope]:
        for scope in principal.scopes:
            # A user's own `models` narrow its personal keys; a team key has the team's instead.
            if scope.level == "user" and principal.team_id is not None:
                continue
            yield scope
        if customer is not None:
            yield customer

    def check(self, principal: Principal, model: str, resolved: str, customer: Scope | None = None) -> None:
        """403 naming the level that does not allow the model."""
        level = self.refusing(principal, model, resolved, customer)
        if level is None:
            return
        if level == "key":
            shown = ", ".join(principal.models)
            message = f"This key may not use model {model!r}. Allowed: {shown}."
            if principal.team_id is None and TEAM_MODELS in principal.models:
                message += f" ({TEAM_MODELS} stands for a team's models, and this key has no team.)"
        else:
            message = f"The {LEVEL_NAMES.get(level, level)}'s models do not include {model!r}."
        raise PermissionDenied(message, param="model", reason="model_not_allowed")

    def visible(self, principal: Principal, names: Iterable[str], customer: Scope | None = None) -> list[str]:
        """Every name the caller could call: the deployments' models and its aliases that resolve."""
        names = list(names)
        known = set(names)
        out = [n for n in names if self.refusing(principal, n, n, customer) is None]
        for alias, target in principal.aliases:
            if (
                alias not in known
                and target in known
                and self.refusing(principal, alias, target, customer) is None
            ):
                out.append(alias)
        return out
