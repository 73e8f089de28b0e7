"""flush_usage: queued events → usage_logs in batches, exactly once per request_id, and their
cost added to the spend of every level of the request: key, user, team, team member,
organization, customer (only for rows actually inserted, so a re-run adds nothing)."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, datetime

import redis
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from .. import leases
from ..extensions import db
from ..models import Customer, Organization, Team, TeamMembership, UsageLog, User, VerificationToken
from ..values import UsageEvent
from . import event as codec
from . import soft_budget
from .sink import QUEUE, UsageSink

log = logging.getLogger(__name__)

LOCK = "gw:usage:flushing"
LOCK_TTL = 60.0  # seconds, renewed every batch; a crashed flush frees the queue within a minute


def _row(e: UsageEvent) -> dict:
    return {
        "request_id": e.request_id,
        "created_at": datetime.fromtimestamp(e.time, UTC),
        "key_hash": e.key_hash,
        "user_id": e.user_id,
        "team_id": e.team_id,
        "auth_method": e.auth_method,
        "model": e.model,
        "deployment": e.deployment,
        "status": e.status,
        "prompt_tokens": e.prompt_tokens,
        "completion_tokens": e.completion_tokens,
        "cost": e.cost,
        "latency_ms": e.latency_ms,
        "organization_id": e.organization_id,
        "end_user": e.customer_id,
    }


def store(raw: list[bytes]) -> int:
    """Insert a batch and add spend, in one transaction; returns the rows actually inserted."""
    events = [e for e in (codec.decode(r) for r in raw) if e is not None]
    if len(events) != len(raw):
        log.warning("usage flush: %d malformed event(s) skipped", len(raw) - len(events))
    if not events:
        return 0
    table = UsageLog.__table__
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    stmt = (
        insert(table)
        .values([_row(e) for e in events])
        .on_conflict_do_nothing(index_elements=["request_id"])
        .returning(
            table.c.key_hash, table.c.cost, table.c.created_at, table.c.user_id, table.c.team_id,
            table.c.organization_id, table.c.end_user,
        )
    )  # fmt: skip
    inserted = db.session.execute(stmt).all()
    spend: dict[str, float] = defaultdict(float)
    last: dict[str, datetime] = {}
    levels: dict[str, dict] = {
        name: defaultdict(float) for name in ("user", "team", "member", "org", "customer")
    }
    for key_hash, cost, created, user_id, team_id, org_id, customer in inserted:
        if key_hash:
            spend[key_hash] += cost
            last[key_hash] = max(last.get(key_hash, created), created)
        if not cost:
            continue
        for level, ident in (("user", user_id), ("team", team_id), ("org", org_id), ("customer", customer)):
            if ident:
                levels[level][ident] += cost
        if team_id and user_id:
            levels["member"][(team_id, user_id)] += cost
    _add_level_spend(levels)
    vt = VerificationToken.__table__
    for key_hash, amount in spend.items():
        updated = db.session.execute(
            sa.update(vt)
            .where(vt.c.token == key_hash)
            .values(
                spend=vt.c.spend + amount,
                last_used_at=sa.case(
                    (sa.or_(vt.c.last_used_at.is_(None), vt.c.last_used_at < last[key_hash]), last[key_hash]),
                    else_=vt.c.last_used_at,
                ),
            )
            .returning(vt.c.spend, vt.c.soft_budget)
        ).first()
        if updated is not None and amount:
            soft_budget.check("key", key_hash, updated[0], amount, updated[1])
    db.session.commit()
    return len(inserted)


def _add_level_spend(levels: dict[str, dict]) -> None:
    """Each level's share of the batch added to its row; a customer not known yet is created
    (LiteLLM records end users on their first spend)."""
    for model, level in ((User, "user"), (Team, "team"), (Organization, "org")):
        t = model.__table__
        pk = t.c.user_id if model is User else t.c.team_id if model is Team else t.c.organization_id
        for ident, amount in levels[level].items():
            stmt = sa.update(t).where(pk == ident).values(spend=t.c.spend + amount)
            if model is Team:
                done = db.session.execute(stmt.returning(t.c.spend, t.c.soft_budget)).first()
                if done is not None:
                    soft_budget.check("team", ident, done[0], amount, done[1])
            else:
                db.session.execute(stmt)
    m = TeamMembership.__table__
    for (team_id, user_id), amount in levels["member"].items():
        db.session.execute(
            sa.update(m)
            .where(m.c.team_id == team_id, m.c.user_id == user_id)
            .values(spend=m.c.spend + amount)
        )
    c = Customer.__table__
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    now = datetime.now(UTC)
    for ident, amount in levels["customer"].items():
        stmt = insert(c).values(
            user_id=ident, spend=amount, blocked=False, models=[], created_at=now, updated_at=now, version=1
        )
        db.session.execute(
            stmt.on_conflict_do_update(index_elements=["user_id"], set_={"spend": c.c.spend + amount})
        )


def flush(sink: UsageSink, client: redis.Redis | None, batch_size: int = 1000) -> int:
    """Drain the queue (the Redis list, or the local buffer) into the database."""
    if client is None:
        total = 0
        while batch := sink.drain(batch_size):
            try:
                total += store(batch)
            except Exception:
                db.session.rollback()
                sink.give_back(batch)
                raise
        return total
    token = leases.acquire(client, LOCK, LOCK_TTL)
    if token is None:
        return 0  # another flush is draining; two would trim each other's batches
    total = 0
    try:
        while batch := client.lrange(QUEUE, 0, batch_size - 1):
            total += store(batch)  # committed: only now may the batch leave the queue
            client.ltrim(QUEUE, len(batch), -1)
            leases.renew(client, LOCK, LOCK_TTL)
    finally:
        leases.release(client, LOCK, token)
    return total
