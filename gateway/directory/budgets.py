"""The budget periods of users, teams, team members, organizations and customers: when a
`budget_duration` ends, spend goes back to 0 in the database and in the live counter
admission reads (authz: `<level>:<id>`), and the next period is set. The reset job runs this
after the keys' own reset (keys/lifecycle.reset_budgets)."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from ..audit import record as audit
from ..clock import utcnow
from ..durations import next_reset
from ..extensions import db
from ..models import Customer, Organization, Team, TeamMembership, User
from ..models import VerificationToken as Key
from ..stages import stages
from .common import key_tokens

log = logging.getLogger(__name__)
ACTOR = "system:reset_budgets"
_LEVELS = (
    (User, "user", User.user_id),
    (Team, "team", Team.team_id),
    (Organization, "organization", Organization.organization_id),
    (Customer, "customer", Customer.user_id),
)


def _keys_of(level: str, ident: str) -> sa.ColumnElement[bool]:
    if level == "user":
        return Key.user_id == ident
    if level == "team":
        return Key.team_id == ident
    teams = sa.select(Team.team_id).where(Team.organization_id == ident)
    return sa.or_(Key.organization_id == ident, Key.team_id.in_(teams))


def reset_level_budgets() -> int:
    """Every level whose budget period ended: reset; returns how many."""
    now = utcnow()
    subjects: list[str] = []
    stale: list[str] = []
    customers: list[str] = []
    unreadable: list[str] = []
    for model, level, pk in _LEVELS:
        due = db.session.execute(
            sa.select(pk, model.budget_duration).where(
                model.budget_duration.is_not(None), model.budget_reset_at <= now
            )
        ).all()
        for ident, duration in due:
            until = next_reset(duration, now)
            if until is None:
                unreadable.append(f"{level} {ident!r} ({duration!r})")
                continue
            db.session.execute(
                sa.update(model)
                .where(pk == ident)
                .values(spend=0.0, budget_reset_at=until)
                .execution_options(synchronize_session=False)
            )
            audit(ACTOR, "reset_budget", level, ident)
            subjects.append(f"{level}:{ident}")
            if level == "customer":
                customers.append(ident)
            else:
                stale += key_tokens(_keys_of(level, ident))  # their records carry the spend
    m = TeamMembership
    due_members = db.session.execute(
        sa.select(m.id, m.team_id, m.user_id, m.budget_duration).where(
            m.budget_duration.is_not(None), m.budget_reset_at <= now
        )
    ).all()
    for row_id, team_id, user_id, duration in due_members:
        until = next_reset(duration, now)
        if until is None:
            unreadable.append(f"team member {team_id!r}/{user_id!r} ({duration!r})")
            continue
        db.session.execute(
            sa.update(m)
            .where(m.id == row_id)
            .values(spend=0.0, budget_reset_at=until)
            .execution_options(synchronize_session=False)
        )
        audit(ACTOR, "reset_budget", "team_member", f"{team_id}:{user_id}")
        subjects.append(f"member:{team_id}:{user_id}")
        stale += key_tokens(sa.and_(Key.team_id == team_id, Key.user_id == user_id))
    db.session.commit()
    if unreadable:
        log.warning("budgets not reset, their budget_duration cannot be read: %s", ", ".join(unreadable))
    s = stages()
    if stale:
        s.keycache.invalidate(stale)
    if customers:
        s.keycache.invalidate_customers(customers)
    for subject in subjects:
        s.limits.reset_budget(subject)
    return len(subjects)
