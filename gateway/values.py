"""The values that cross stages: small, frozen, and importing nothing of the gateway.

Each stage reads and returns these, so no stage imports another to learn a shape:
headers/ reads a Credential; auth/ turns it into a Principal (a virtual key's from the
KeyRecord that keycache/ returns); authz/ admits a Principal against its Limits; proxy/ reads
the RequestIntent; usage/ records a UsageEvent. How a value is stored (the key cache's L2
encoding, the usage queue's) belongs to the stage that stores it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

# --- the caller's secret (headers/) ----------------------------------------------------------


def hash_secret(secret: str) -> str:
    """A secret's SHA-256 hex: the only form of a key that is stored or compared."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def mask(secret: str) -> str:
    """What may appear of a secret in a message or a log line: `sk-...` and its last four."""
    if secret.startswith("sk-") and len(secret) >= 11:
        return "sk-..." + secret[-4:]
    return "<redacted>"


@dataclass(frozen=True, slots=True)
class Credential:
    """A secret as presented by the client; `hash` is its SHA-256 hex, the only form stored."""

    value: str = field(repr=False)
    header: str
    hash: str

    @property
    def masked(self) -> str:
        return mask(self.value)


# --- who is calling (auth/) ------------------------------------------------------------------

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

    @property
    def any(self) -> bool:
        """Whether admission has anything to check (keys without limits cost nothing there)."""
        return not (
            self.rpm_limit is None
            and self.tpm_limit is None
            and self.max_parallel_requests is None
            and self.max_budget is None
        )


NO_LIMITS = Limits()

# The levels a request is held to, as the 429 and the admission name them.
USER, TEAM_LEVEL, MEMBER, ORGANIZATION, CUSTOMER = "user", "team", "member", "organization", "customer"


@dataclass(frozen=True, slots=True)
class Scope:
    """A level a request belongs to besides its key (user, team, member, organization, customer),
    as the hot path needs it: whether it narrows the models (None: it does not), its limits,
    per-model limits (keys' and teams'), whether it is blocked. `version` orders cached copies."""

    level: str
    id: str
    models: tuple[str, ...] | None = None
    limits: Limits = NO_LIMITS
    blocked: bool = False
    model_limits: tuple[tuple[str, Limits], ...] = ()
    version: int = 0


@dataclass(frozen=True, slots=True)
class TeamChoice:
    """One of a JWT caller's teams, as the request would be held to it (the first that allows the
    requested model is taken, when the caller did not pick one with `x-litellm-team-id`)."""

    team_id: str
    organization_id: str | None
    scopes: tuple[Scope, ...]  # every level the request then belongs to (user, team, member, org)
    aliases: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling and what they may do, whatever way they authenticated."""

    method: str  # master_key | virtual_key | jwt | custom
    role: str
    subject: str  # printable: a key name, a token subject; never a secret
    key_hash: str | None = None
    key_name: str | None = None  # a key as it may be shown (`sk-...` and its last four)
    user_id: str | None = None
    team_id: str | None = None
    models: tuple[str, ...] = ()  # empty: every model
    allowed_routes: tuple[str, ...] = ()  # empty: the role's default routes
    limits: Limits = NO_LIMITS
    metadata: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    expires: float | None = None  # epoch seconds; authz refuses a principal past it
    blocked: bool = False  # authz refuses a blocked principal
    team_blocked: bool = False  # ... and one whose team is blocked
    organization_id: str | None = None
    # The levels beyond the key (user, team, member, organization; the customer is added per
    # request), the model aliases (the key's first, then the team's) and the key's per-model limits.
    scopes: tuple[Scope, ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()
    model_limits: tuple[tuple[str, Limits], ...] = ()
    allowed_ips: tuple[str, ...] = ()  # CIDRs the caller must come from; empty: anywhere
    team_choices: tuple[TeamChoice, ...] = ()  # a JWT caller's teams, chosen by the model

    @property
    def is_admin(self) -> bool:
        return self.role == PROXY_ADMIN


MASTER = Principal(method="master_key", role=PROXY_ADMIN, subject="master_key")


# --- a virtual key as the key cache holds it (keycache/) -------------------------------------


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """What the hot path needs to know about a virtual key."""

    token: str  # the key's current hash (a deprecated hash resolves to its successor)
    key_name: str
    key_alias: str | None
    user_id: str | None
    team_id: str | None
    models: tuple[str, ...]
    allowed_routes: tuple[str, ...]
    expires: float | None  # epoch seconds
    blocked: bool
    grace_until: float | None  # set when looked up by a deprecated hash
    limits: Limits
    version: int
    user_role: str | None = None  # the owner's role (users.user_role); None: no user, an LLM-only key
    team_blocked: bool = False  # the key's team is blocked (refused like a blocked key)
    organization_id: str | None = None  # the team's organization, else the key's own
    scopes: tuple[Scope, ...] = ()  # user, team, member, organization snapshots (same version)
    aliases: tuple[tuple[str, str], ...] = ()  # key `aliases`, then team `model_aliases`
    model_limits: tuple[tuple[str, Limits], ...] = ()  # the key's model_rpm/tpm_limit, model_max_budget
    allowed_ips: tuple[str, ...] = ()  # canonical CIDRs; empty: from anywhere


# --- what the client asked for (proxy/) ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RequestIntent:
    path: str
    op: str  # chat/completions | completions | embeddings | images/generations | audio/... | ...
    model: str
    stream: bool
    body: dict[str, Any] = field(repr=False)  # a multipart body's text fields
    raw: bytes = field(repr=False)
    content_type: str | None = None  # None: JSON; else the multipart type forwarded as is
    headers: tuple[tuple[str, str], ...] = ()  # the client's headers passed on (anthropic-version...)


# --- what it cost (usage/) -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UsageEvent:
    """One proxied request, as it is queued and stored (DESIGN.md usage_logs)."""

    request_id: str
    time: float  # epoch seconds, when the request started
    key_hash: str | None
    user_id: str | None
    team_id: str | None
    auth_method: str
    model: str
    deployment: str | None
    status: int
    prompt_tokens: int
    completion_tokens: int
    cost: float
    latency_ms: float
    organization_id: str | None = None
    customer_id: str | None = None  # the end user (LiteLLM's `user`), when the request named one
