"""The JWT caller in the directory: its user, its teams (with its membership and their
organizations) and its token's organization, read once and cached like keys; rows created only
by `user_id_upsert` / `team_id_upsert`, from the configured template and never as an admin.

The cache is per process, bounded, with the key cache's TTL. It follows the key cache's
invalidation: an entry is used only while the key cache's epoch (bumped by every invalidation
this process makes or receives, and by a lost subscription) is the one it was read under, so a
team or user change is felt here as fast as a key change. A warm caller costs no query; a
database outage serves the last copy, as for keys.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from cachetools import TTLCache
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ...clock import utcnow
from ...durations import parse_duration
from ...extensions import db
from ...keycache import KeyCache
from ...keycache import record as record_codec
from ...keycache.memory import DEGRADED_TTL
from ...keycache.store import StoreUnavailable
from ...models import AuditEvent, Organization, Team, TeamMembership, User
from ...values import ORGANIZATION, USER, Scope
from .claims import TokenClaims
from .settings import JwtSettings

log = logging.getLogger(__name__)

NO_MODELS = "no-default-models"  # LiteLLM's name for "no model until one is granted"
MAXSIZE = 10_000

_U, _T, _M, _O = User.__table__, Team.__table__, TeamMembership.__table__, Organization.__table__
_USER_COLUMNS = (
    "models",
    "max_budget",
    "spend",
    "rpm_limit",
    "tpm_limit",
    "max_parallel_requests",
    "blocked",
)
_TEAM_COLUMNS = (
    "models", "model_aliases", "max_budget", "spend", "rpm_limit", "tpm_limit", "max_parallel_requests",
    "model_max_budget", "metadata", "team_member_budget", "team_member_rpm_limit", "team_member_tpm_limit",
)  # fmt: skip
_MEMBER_COLUMNS = ("max_budget_in_team", "spend", "rpm_limit", "tpm_limit", "allowed_models")
_U_KEYS = tuple(f"u_{n}" for n in _USER_COLUMNS)
_ORG_COLUMNS = ("models", "max_budget", "spend", "rpm_limit", "tpm_limit", "blocked")


@dataclass(frozen=True, slots=True)
class TeamView:
    team_id: str
    team_alias: str | None
    organization_id: str | None
    scopes: tuple[Scope, ...]  # team, the caller's membership (if any), the team's organization
    aliases: tuple[tuple[str, str], ...]  # the team's model_aliases


@dataclass(frozen=True, slots=True)
class Identity:
    user: Scope | None  # None: the gateway does not know the user
    teams: tuple[TeamView, ...]  # the token's teams the gateway knows, in the token's order
    organization: Scope | None  # the token's org_id_jwt_field organization, if known
    default_team: TeamView | None  # team_id_default, when the token names no team


def _labelled(table: sa.Table, prefix: str, names: tuple[str, ...]) -> list[Any]:
    return [table.c[n].label(f"{prefix}_{n}") for n in names]


def _one_scope(
    id_column: sa.Column, prefix: str, columns: tuple[str, ...], level: str, value: str | None
) -> Scope | None:
    """The snapshot of one user or organization row (None: no such row)."""
    if value is None:
        return None
    table = id_column.table
    query = sa.select(id_column.label(f"{prefix}_id"), *_labelled(table, prefix, columns)).where(
        id_column == value
    )
    row = db.session.execute(query).mappings().first()
    if row is None:
        return None
    return next(s for s in record_codec.scopes_of({**row, "version": 0}) if s.level == level)


def _unavailable(exc: Exception) -> StoreUnavailable:
    db.session.rollback()
    log.warning("JWT directory unavailable: %s", type(exc).__name__)
    return StoreUnavailable("The key store is unavailable; try again shortly.")


class Directory:
    """`identity(token)` for the JWT link: cached, loaded (and upserted) on a miss."""

    def __init__(self, settings: JwtSettings, keycache: KeyCache) -> None:
        self.settings = settings
        self.keycache = keycache
        self._cache: TTLCache[tuple[Any, ...], tuple[Identity, int, float]] = TTLCache(
            MAXSIZE, max(settings.cache_ttl, 1.0)
        )
        self._lock = threading.Lock()

    def identity(self, token: TokenClaims, actor: str) -> Identity:
        memory, bus = self.keycache.memory, self.keycache.bus
        if bus is not None:
            bus.ensure_started()
        trusted = bus is None or bus.connected
        key = (token.user_id, token.team_ids, token.team_aliases, token.org_id)
        with self._lock:
            entry = self._cache.get(key)
        if entry is not None:
            identity, epoch, stored = entry
            if epoch == memory.epoch and (trusted or time.monotonic() - stored < DEGRADED_TTL):
                return identity
        epoch = memory.epoch
        try:
            identity = self._load(token, actor)
        except StoreUnavailable:
            if entry is not None:
                return entry[0]  # the database is down: the last copy, as keys are served
            raise
        with self._lock:
            if memory.epoch == epoch:  # no invalidation since the read began
                self._cache[key] = (identity, epoch, time.monotonic())
        return identity

    # --- the database ------------------------------------------------------------------------

    def _load(self, token: TokenClaims, actor: str) -> Identity:
        try:
            user = self._user(token.user_id)
            if user is None and token.user_id is not None and self.settings.user_id_upsert:
                user = self._upsert_user(token, actor)
            teams = self._teams(token.user_id, token.team_ids, token.team_aliases)
            # Only team_id_jwt_field's team: a list of IdP groups (team_ids_jwt_field) holds
            # groups that are not teams, and each would become one.
            wanted = token.team_id
            if wanted and self.settings.team_id_upsert and wanted not in {v.team_id for v in teams}:
                self._upsert_team(wanted, actor)
                teams = self._teams(token.user_id, token.team_ids, token.team_aliases)
            default = None
            if not token.team_ids and not token.team_aliases and self.settings.team_id_default:
                found = self._teams(token.user_id, (self.settings.team_id_default,), ())
                default = found[0] if found else None
            organization = self._organization(token.org_id)
        except SQLAlchemyError as exc:
            raise _unavailable(exc) from None
        finally:
            db.session.rollback()  # end the read transaction (nothing is held between requests)
        return Identity(user, teams, organization, default)

    def _user(self, user_id: str | None) -> Scope | None:
        return _one_scope(_U.c.user_id, "u", _USER_COLUMNS, USER, user_id)

    def _teams(
        self, user_id: str | None, ids: tuple[str, ...], aliases: tuple[str, ...]
    ) -> tuple[TeamView, ...]:
        if not ids and not aliases:
            return ()
        member = sa.and_(_M.c.team_id == _T.c.team_id, _M.c.user_id == (user_id or ""))
        query = (
            sa.select(
                _T.c.team_id.label("t_id"),
                _T.c.team_alias,
                _T.c.organization_id,
                _T.c.blocked.label("team_blocked"),
                *_labelled(_T, "t", _TEAM_COLUMNS),
                _M.c.id.label("m_id"),
                *_labelled(_M, "m", _MEMBER_COLUMNS),
                _O.c.organization_id.label("o_id"),
                *_labelled(_O, "o", _ORG_COLUMNS),
            )
            .select_from(_T)
            .outerjoin(_M, member)
            .outerjoin(_O, _O.c.organization_id == _T.c.organization_id)
            .where(sa.or_(_T.c.team_id.in_(ids), _T.c.team_alias.in_(aliases)))
        )
        found = {row["t_id"]: row for row in db.session.execute(query).mappings()}
        by_alias = {row["team_alias"]: row for row in found.values() if row["team_alias"]}
        ordered = [found[i] for i in ids if i in found] + [by_alias[a] for a in aliases if a in by_alias]
        views: dict[str, TeamView] = {}
        for row in ordered:
            if row["t_id"] not in views:
                views[row["t_id"]] = self._view(row, user_id)
        return tuple(views.values())

    @staticmethod
    def _view(row: Mapping[str, Any], user_id: str | None) -> TeamView:
        # The membership's id names the user; the user's own snapshot is Identity.user.
        data = {**row, "version": 0, "u_id": user_id, **dict.fromkeys(_U_KEYS)}
        scopes = tuple(s for s in record_codec.scopes_of(data) if s.level != USER)
        aliases = row["t_model_aliases"] if isinstance(row["t_model_aliases"], dict) else {}
        return TeamView(
            team_id=row["t_id"],
            team_alias=row["team_alias"],
            organization_id=row["organization_id"],
            scopes=scopes,
            aliases=tuple((str(a), m) for a, m in aliases.items() if isinstance(m, str)),
        )

    def _organization(self, org_id: str | None) -> Scope | None:
        return _one_scope(_O.c.organization_id, "o", _ORG_COLUMNS, ORGANIZATION, org_id)

    # --- upserts: the template, nothing more -------------------------------------------------

    def _template_values(self, template: Any) -> dict[str, Any]:
        now = utcnow()
        duration = getattr(template, "budget_duration", None)
        return {
            # No model unless the template grants some: `[]` would mean every model.
            "models": list(getattr(template, "models", None) or [NO_MODELS]),
            "max_budget": getattr(template, "max_budget", None),
            "budget_duration": duration,
            "budget_reset_at": now + parse_duration(duration) if duration else None,
            "tpm_limit": getattr(template, "tpm_limit", None),
            "rpm_limit": getattr(template, "rpm_limit", None),
            "max_parallel_requests": getattr(template, "max_parallel_requests", None),
            "created_at": now,
            "updated_at": now,
        }

    def _insert(self, row: Any, object_type: str, object_id: str, actor: str, values: dict[str, Any]) -> None:
        shown = {k: v for k, v in values.items() if k not in ("created_at", "updated_at", "budget_reset_at")}
        db.session.add(row)
        db.session.add(
            AuditEvent(
                actor=actor,
                action="jwt_upsert",
                object_type=object_type,
                object_id=object_id,
                detail={"before": {}, "after": shown},
                created_at=utcnow(),
            )
        )
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # another request created it first: theirs is as good
        log.info("JWT %s upserted %s %s from the template", actor, object_type, object_id)

    def _upsert_user(self, token: TokenClaims, actor: str) -> Scope | None:
        template = self.settings.user_template
        values = self._template_values(template)
        values["user_role"] = getattr(template, "user_role", None) or "internal_user"  # never an admin
        user_id = token.user_id or ""
        self._insert(User(user_id=user_id, user_email=token.email, **values), "user", user_id, actor, values)
        return self._user(user_id)

    def _upsert_team(self, team_id: str, actor: str) -> None:
        values = self._template_values(self.settings.team_template)
        self._insert(Team(team_id=team_id, **values), "team", team_id, actor, values)
