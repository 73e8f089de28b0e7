"""L3, the database: one indexed query per lookup, current hash or deprecated-in-grace hash."""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from ..clock import utcnow
from ..errors import ServiceUnavailable
from ..extensions import db
from ..models import Customer, DeprecatedToken, Organization, Team, TeamMembership, User, VerificationToken
from ..values import KeyRecord, Scope
from . import record as codec

log = logging.getLogger(__name__)

_VT = VerificationToken.__table__
_DT = DeprecatedToken.__table__
_USERS = User.__table__
_TEAMS = Team.__table__
_MEMBERS = TeamMembership.__table__
_ORGS = Organization.__table__
_CUSTOMERS = Customer.__table__
COLUMNS = [
    _VT.c[name]
    for name in (
        "token", "key_name", "key_alias", "user_id", "team_id", "models", "allowed_routes", "expires",
        "blocked", "max_budget", "spend", "rpm_limit", "tpm_limit", "max_parallel_requests", "version",
        "aliases", "model_max_budget", "model_rpm_limit", "model_tpm_limit",
        "allowed_ips",
    )
]  # fmt: skip


def _labelled(table: sa.Table, prefix: str, names: tuple[str, ...]) -> list[sa.ColumnElement]:
    return [table.c[n].label(f"{prefix}_{n}") for n in names]


def _org_of() -> sa.ColumnElement:
    """A key's organization: its team's, else its own."""
    return sa.func.coalesce(_TEAMS.c.organization_id, _VT.c.organization_id)


_LIMIT_COLUMNS = ("max_budget", "spend", "rpm_limit", "tpm_limit")
# The hierarchy a request needs comes in the same query as its key (docs/keycache.md): the
# owner (its role, models, limits), the team, the owner's membership in it, and the
# organization (the team's, else the key's own). A change to any of them bumps the version of
# every key record it is part of, so the key cache's invalidation covers them all.
OWNER = [
    _USERS.c.user_role,
    sa.func.coalesce(_TEAMS.c.blocked, sa.false()).label("team_blocked"),
    _org_of().label("organization_id"),
    _USERS.c.user_id.label("u_id"),
    *_labelled(_USERS, "u", ("models", *_LIMIT_COLUMNS, "max_parallel_requests", "blocked")),
    _TEAMS.c.team_id.label("t_id"),
    *_labelled(
        _TEAMS,
        "t",
        (
            "models",
            "model_aliases",
            *_LIMIT_COLUMNS,
            "max_parallel_requests",
            "model_max_budget",
            "metadata",
            "team_member_budget",
            "team_member_rpm_limit",
            "team_member_tpm_limit",
        ),
    ),
    _MEMBERS.c.id.label("m_id"),
    *_labelled(_MEMBERS, "m", ("max_budget_in_team", "spend", "rpm_limit", "tpm_limit", "allowed_models")),
    _ORGS.c.organization_id.label("o_id"),
    *_labelled(_ORGS, "o", ("models", *_LIMIT_COLUMNS, "blocked")),
]


def select_records() -> sa.Select:
    """Rows of current keys ready for record.from_row (the warm job adds its own filter)."""
    return _with_owner(sa.select(*COLUMNS, *OWNER).select_from(_VT))


def _with_owner(select: sa.Select) -> sa.Select:
    return (
        select.outerjoin(_USERS, _USERS.c.user_id == _VT.c.user_id)
        .outerjoin(_TEAMS, _TEAMS.c.team_id == _VT.c.team_id)
        .outerjoin(
            _MEMBERS, sa.and_(_MEMBERS.c.team_id == _VT.c.team_id, _MEMBERS.c.user_id == _VT.c.user_id)
        )
        .outerjoin(_ORGS, _ORGS.c.organization_id == _org_of())
    )


def _query(token: str) -> sa.CompoundSelect:
    revoke_none = sa.cast(sa.null(), _DT.c.revoke_at.type).label("revoke_at")
    current = _with_owner(sa.select(*COLUMNS, *OWNER, revoke_none).select_from(_VT)).where(
        _VT.c.token == token
    )
    deprecated = _with_owner(
        sa.select(*COLUMNS, *OWNER, _DT.c.revoke_at)
        .select_from(_DT)
        .join(_VT, _DT.c.new_token == _VT.c.token)
    ).where(_DT.c.token == token)
    return sa.union_all(current, deprecated)


class StoreUnavailable(ServiceUnavailable):
    pass


def load(token: str) -> KeyRecord | None:
    """The key for this hash, or None; StoreUnavailable (503) when the database cannot answer."""
    try:
        row = db.session.execute(_query(token)).mappings().first()
    except SQLAlchemyError as exc:
        db.session.rollback()
        log.warning("key store unavailable: %s", type(exc).__name__)
        raise StoreUnavailable("The key store is unavailable; try again shortly.") from None
    return codec.from_row(row) if row is not None else None


def recently_used(since: datetime) -> list[KeyRecord]:
    """Unexpired keys used since `since` (the warming job's read)."""
    rows = db.session.execute(
        select_records().where(
            _VT.c.last_used_at >= since, sa.or_(_VT.c.expires.is_(None), _VT.c.expires > utcnow())
        )
    ).mappings()
    return [codec.from_row(r) for r in rows]


CUSTOMER_COLUMNS = [
    _CUSTOMERS.c[n]
    for n in ("user_id", "blocked", "max_budget", "spend", "tpm_limit", "rpm_limit", "models", "version")
]


def load_customer(customer_id: str) -> Scope | None:
    """A customer's snapshot, or None for one the database does not know; StoreUnavailable (503)."""
    try:
        row = (
            db.session.execute(sa.select(*CUSTOMER_COLUMNS).where(_CUSTOMERS.c.user_id == customer_id))
            .mappings()
            .first()
        )
    except SQLAlchemyError as exc:
        db.session.rollback()
        log.warning("customer store unavailable: %s", type(exc).__name__)
        raise StoreUnavailable("The key store is unavailable; try again shortly.") from None
    return codec.customer_from_row(row) if row is not None else None
