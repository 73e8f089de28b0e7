"""The Principal: who is calling and what they may do, whatever way they authenticated."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PROXY_ADMIN = "proxy_admin"
PROXY_ADMIN_VIEWER = "proxy_admin_viewer"
INTERNAL_USER = "internal_user"
INTERNAL_USER_VIEWER = "internal_user_viewer"
ORG_ADMIN = "org_admin"
TEAM = "team"
LLM_ONLY = "llm_only"  # a virtual key with no user: LLM routes and its own key's info
ROLES = (PROXY_ADMIN, INTERNAL_USER, TEAM)  # what custom auth may return


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-principal limits; None means unlimited."""

    max_budget: float | None = None
    spend: float = 0.0
    rpm_limit: int | None = None
    tpm_limit: int | None = None
    max_parallel_requests: int | None = None


NO_LIMITS = Limits()


@dataclass(frozen=True, slots=True)
class Principal:
    method: str  # master_key | virtual_key | jwt | custom
    role: str
    subject: str  # printable: a key name, a token subject; never a secret
    key_hash: str | None = None
    user_id: str | None = None
    team_id: str | None = None
    models: tuple[str, ...] = ()  # empty: every model
    allowed_routes: tuple[str, ...] = ()  # empty: the role's default routes
    limits: Limits = NO_LIMITS
    metadata: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_admin(self) -> bool:
        return self.role == PROXY_ADMIN


MASTER = Principal(method="master_key", role=PROXY_ADMIN, subject="master_key")
