"""The key jobs: expiry, scheduled rotation with delivery, and warming L2 with keys in use."""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa

from ..clock import utcnow
from ..durations import next_reset
from ..errors import BadRequest
from ..extensions import db
from ..models import DeprecatedToken, VerificationToken
from ..stages import stages
from ..webhooks import DeliveryFailed, deliver
from . import service
from .secrets import key_name

log = logging.getLogger(__name__)
VT = VerificationToken


def expire_due() -> str:
    """Keys past `expires`: invalidated in every cache layer and audited, once each; ended grace
    periods: their old hashes removed."""
    now = utcnow()
    expired = list(
        db.session.scalars(sa.select(VT.token).where(VT.expires <= now, VT.expiry_handled_at.is_(None)))
    )
    stale: list[str] = []
    for token in expired:
        db.session.execute(
            sa.update(VT).where(VT.token == token).values(expiry_handled_at=now, version=VT.version + 1)
        )
        service.audit("system:expire_keys", "expire", token)
        stale += [token, *service.successors_of(token)]
    ended = list(db.session.scalars(sa.select(DeprecatedToken.token).where(DeprecatedToken.revoke_at <= now)))
    if ended:
        db.session.execute(sa.delete(DeprecatedToken).where(DeprecatedToken.token.in_(ended)))
    service.commit(*stale, *ended)
    return f"{len(expired)} expired, {len(ended)} grace periods ended"


def _due(now: sa.ColumnElement) -> sa.Select:
    return sa.select(VT.token).where(
        VT.auto_rotate.is_(True),
        VT.rotation_at <= now,
        VT.blocked.is_(False),
        sa.or_(VT.expires.is_(None), VT.expires > now),
    )


def rotate_one(token: str) -> bool:
    """Deliver a new key for `token`, then make it the key: if delivery fails nothing changes
    (the key is rotated on a later sweep), so a rotated key is never one nobody received.
    Everything is checked before delivery (BadRequest: nothing delivered), so a delivered key
    is one that is then made current."""
    settings = stages().settings
    row = db.session.get(VT, token)
    if row is None or db.session.scalar(_due(utcnow()).where(VT.token == token)) is None:
        return False
    plan = service.prepare_regeneration(token, settings.key_rotation_grace)
    payload = {
        "event": "key.rotated",
        "key_alias": row.key_alias,
        "old_token": token,
        "new_token": plan.new,
        "key_name": key_name(plan.plaintext),
        "key": plan.plaintext,
        "grace_until": (utcnow() + plan.grace).isoformat(),
        "sent_at": utcnow().isoformat(),
    }
    db.session.rollback()  # no transaction held open while the webhook is called
    deliver(settings.key_rotation_webhook_url, settings.key_rotation_webhook_secret, payload)
    service.apply_regeneration(plan, "system:rotate_keys")
    return True


def rotate_due() -> str:
    settings = stages().settings
    due = list(db.session.scalars(_due(utcnow())))
    if not due:
        return "0 due"
    if not settings.key_rotation_webhook_url:
        log.warning(
            "%d key(s) due for rotation, but no key_rotation_webhook_url to deliver them to", len(due)
        )
        return f"{len(due)} due, no webhook configured"
    rotated = failed = invalid = 0
    for token in due:
        try:
            rotated += rotate_one(token)
        except DeliveryFailed:
            failed += 1
        except BadRequest as exc:  # this key cannot be rotated as stored: the others still are
            db.session.rollback()
            log.warning("key %s... not rotated: %s", token[:12], exc)
            invalid += 1
    summary = f"{rotated} rotated, {failed} delivery failures"
    return summary + (f", {invalid} not rotatable" if invalid else "")


def warm_cache(hours: float | None = None) -> str:
    """Put keys used in the last `hours` into L2 (where absent), so a new process starts warm."""
    s = stages()
    warmed = s.keycache.warm(utcnow() - timedelta(hours=hours or s.settings.key_cache_warm_hours))
    if warmed is None:
        return "no Redis: nothing to warm"
    return f"{warmed[0]} recently used, {warmed[1]} written to L2"


def reset_budgets() -> str:
    """Keys whose budget period ended: spend back to 0 (database and live counter), next period set."""
    now = utcnow()
    due = list(
        db.session.execute(
            sa.select(VT.token, VT.budget_duration, VT.key_name).where(
                VT.budget_duration.is_not(None), VT.budget_reset_at <= now
            )
        )
    )
    reset: list[str] = []
    unreadable = 0
    for token, duration, name in due:
        until = next_reset(duration, now)
        if until is None:  # one unreadable row must not stop every other key's reset
            unreadable += 1
            log.warning("key %s not reset: its budget_duration %r cannot be read", name, duration)
            continue
        db.session.execute(
            sa.update(VT)
            .where(VT.token == token)
            .values(spend=0.0, budget_reset_at=until, version=VT.version + 1)
        )
        service.audit("system:reset_budgets", "reset_budget", token)
        reset.append(token)
    service.commit(*reset)
    limits = stages().limits
    for token in reset:
        limits.reset_budget(token)
    skipped = f"; {unreadable} skipped (budget_duration unreadable)" if unreadable else ""
    return f"{len(reset)} budget(s) reset{skipped}"
