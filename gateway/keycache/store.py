"""L3, the database: one indexed query per lookup, current hash or deprecated-in-grace hash."""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from ..clock import utcnow
from ..errors import ServiceUnavailable
from ..extensions import db
from ..models import DeprecatedToken, Team, User, VerificationToken
from ..values import KeyRecord
from . import record as codec

log = logging.getLogger(__name__)

_VT = VerificationToken.__table__
_DT = DeprecatedToken.__table__
_USERS = User.__table__
_TEAMS = Team.__table__
COLUMNS = [
    _VT.c[name]
    for name in (
        "token", "key_name", "key_alias", "user_id", "team_id", "models", "allowed_routes", "expires",
        "blocked", "max_budget", "spend", "rpm_limit", "tpm_limit", "max_parallel_requests", "version",
        "allowed_ips",
    )
]  # fmt: skip
# The owner's role and the team's block come in the same query: a key acts with its owner's role.
OWNER = [_USERS.c.user_role, sa.func.coalesce(_TEAMS.c.blocked, sa.false()).label("team_blocked")]


def select_records() -> sa.Select:
    """Rows of current keys ready for record.from_row (the warm job adds its own filter)."""
    return _with_owner(sa.select(*COLUMNS, *OWNER).select_from(_VT))


def _with_owner(select: sa.Select) -> sa.Select:
    return select.outerjoin(_USERS, _USERS.c.user_id == _VT.c.user_id).outerjoin(
        _TEAMS, _TEAMS.c.team_id == _VT.c.team_id
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
