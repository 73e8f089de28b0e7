"""Key operations (generate, update, block, regenerate, delete, read), each audited and invalidating."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..auth.master import META_NAME
from ..clock import utcnow
from ..durations import MAX, parse_duration
from ..errors import BadRequest, NotFound
from ..extensions import db
from ..headers import hash_secret, mask
from ..models import AuditEvent, DeprecatedToken, GatewayMeta, VerificationToken
from ..stages import stages
from . import fields, links
from .secrets import key_name, new_key, to_hash
from .view import key_view, secret_view

COLUMN_OF = {"metadata": "meta"}


def _row(key_or_hash: str) -> VerificationToken:
    row = db.session.get(VerificationToken, to_hash(key_or_hash))
    if row is None:
        shown = mask(key_or_hash) if key_or_hash.startswith("sk-") else key_or_hash[:12] + "..."
        raise NotFound(f"Key not found: {shown}", param="key")
    return row


def audit(actor: str, action: str, token: str, **detail: Any) -> None:
    db.session.add(AuditEvent(actor=actor, action=action, key_hash=token, detail=detail, created_at=utcnow()))


def _apply(row: VerificationToken, values: dict[str, Any]) -> None:
    """Set validated settings on a row; durations become timestamps from now."""
    now = utcnow()
    for name, value in values.items():
        if name == "duration":
            row.expires = now + parse_duration(value) if value else None
            row.expiry_handled_at = None  # a new expiry is the expiry job's business again
        elif name == "budget_duration":
            row.budget_duration = value
            row.budget_reset_at = now + parse_duration(value) if value else None
        elif name in fields.EXTRA:  # LiteLLM-only settings share one JSON column
            row.extra_settings = fields.merged_extra(row.extra_settings, name, value)
        else:
            setattr(row, COLUMN_OF.get(name, name), value)
    if row.auto_rotate and not row.rotation_interval:
        raise BadRequest("`auto_rotate` needs a `rotation_interval`.", param="rotation_interval")
    if "auto_rotate" in values or "rotation_interval" in values:
        row.rotation_at = now + rotation_every(row) if row.auto_rotate else None


def rotation_every(row: VerificationToken) -> timedelta:
    """The key's stored `rotation_interval`; a 400 if it is not a duration (an imported row)."""
    try:
        return parse_duration(row.rotation_interval)
    except ValueError:
        raise BadRequest(
            "The key's `rotation_interval` is not a duration.", param="rotation_interval"
        ) from None


def _master_hash() -> str | None:
    settings = stages().settings
    if settings.master_key:
        return hash_secret(settings.master_key)
    row = db.session.get(GatewayMeta, META_NAME)
    return row.value if row is not None else None


def refuse_taken(token: str, param: str) -> None:
    """A new key must not be the master key, a current key or an old key still in its grace
    period: the old one would then resolve to an arbitrary row. The message names no key."""
    taken = (
        token == _master_hash()
        or db.session.get(VerificationToken, token) is not None
        or db.session.get(DeprecatedToken, token) is not None
    )
    if taken:
        raise BadRequest("This key cannot be used: it is already taken. Choose another.", param=param)


@contextmanager
def _writing() -> Iterator[None]:
    """Turn a constraint violation anywhere in a write (flush or commit) into a 400."""
    try:
        yield
    except IntegrityError as exc:
        db.session.rollback()
        if "key_alias" in str(exc.orig):
            raise BadRequest("`key_alias` is already used by another key.", param="key_alias") from None
        raise BadRequest("This key already exists.", param="key") from None


def commit(*tokens: str, follow: str | None = None, created: str | None = None) -> None:
    """Commit, then invalidate every cached record that changed (`follow`'s deprecated hashes too)."""
    with _writing():
        db.session.flush()
        stale = [*tokens, *(successors_of(follow) if follow else ())]
        db.session.commit()
    stages().keycache.invalidate(stale, created=[created] if created else [])


def successors_of(token: str) -> list[str]:
    """Deprecated hashes that resolve to `token`: their cached records change with it."""
    return list(
        db.session.scalars(sa.select(DeprecatedToken.token).where(DeprecatedToken.new_token == token))
    )


def generate(body: dict[str, Any], actor: str) -> dict[str, Any]:
    values = fields.validate(body, fields.KeyGenerateRequest)
    plaintext = values.pop("key", None) or new_key()
    refuse_taken(hash_secret(plaintext), "key")
    now = utcnow()
    row = VerificationToken(
        token=hash_secret(plaintext),
        key_name=key_name(plaintext),
        models=[],
        meta={},
        allowed_routes=[],
        blocked=False,
        spend=0.0,
        auto_rotate=False,
        created_at=now,
        updated_at=now,
        created_by=actor,
        version=1,
    )
    links.check(values, actor)
    _apply(row, values)
    db.session.add(row)
    audit(actor, "generate", row.token, fields=sorted(values), not_enforced=fields.unenforced(values))
    commit(row.token, created=row.token)  # also clears a negative entry for an imported key
    return secret_view(row, plaintext, values, actor)


def update(body: dict[str, Any], actor: str) -> dict[str, Any]:
    values = fields.validate(body, fields.KeyUpdateRequest)
    row = _row(values.pop("key"))
    links.check(values, actor, current=row)
    _apply(row, values)
    row.version += 1
    row.updated_at = utcnow()
    audit(actor, "update", row.token, fields=sorted(values), not_enforced=fields.unenforced(values))
    commit(row.token, follow=row.token)
    return key_view(row)


def set_blocked(key_or_hash: str, blocked: bool, actor: str) -> dict[str, Any]:
    row = _row(key_or_hash)
    row.blocked = blocked
    row.version += 1
    row.updated_at = utcnow()
    audit(actor, "block" if blocked else "unblock", row.token)
    commit(row.token, follow=row.token)
    return key_view(row)


def regenerate(body: dict[str, Any], actor: str) -> dict[str, Any]:
    """`/key/regenerate`: a new key with the same settings; the old one works for `grace_period`."""
    values = fields.validate(body, fields.KeyRegenerateRequest)
    key = values.pop("key")
    grace = parse_duration(values.pop("grace_period", None) or "0s", allow_zero=True)
    new_key_ = values.pop("new_key", None)
    links.check(values, actor, current=_row(key))  # the settings it carries: as /key/update's
    plan = prepare_regeneration(key, grace, new_key_, values)
    return apply_regeneration(plan, actor)


@dataclass(frozen=True)
class Regeneration:
    """A regeneration checked in full (typed, nothing left to parse), before anything is
    delivered or written: the rotation job delivers the key between prepare and apply."""

    old: str  # the current hash
    plaintext: str = field(repr=False)
    grace: timedelta
    values: Mapping[str, Any]  # validated settings changed with it

    @property
    def new(self) -> str:
        return hash_secret(self.plaintext)


def prepare_regeneration(
    key_or_hash: str, grace: timedelta, plaintext: str | None = None, values: Mapping[str, Any] | None = None
) -> Regeneration:
    """Check a regeneration of `key_or_hash` (a new random key unless `plaintext`) and plan it."""
    row = _row(key_or_hash)
    if not timedelta(0) <= grace <= MAX:
        raise BadRequest("`grace_period` must be between 0s and 100 years.", param="grace_period")
    plan = Regeneration(row.token, plaintext or new_key(), grace, dict(values or {}))
    refuse_taken(plan.new, "new_key")
    if row.auto_rotate and "rotation_interval" not in plan.values:
        rotation_every(row)  # the next rotation is set from it: it must parse now, not after delivery
    return plan


def apply_regeneration(plan: Regeneration, actor: str) -> dict[str, Any]:
    """Make the new key current. Older keys still in a grace period never outlive this one's:
    without grace they are revoked with it, with one their grace is cut to end with its."""
    row = _row(plan.old)
    old, new, now = row.token, plan.new, utcnow()
    older = successors_of(old)
    if older and plan.grace:
        ends = now + plan.grace
        db.session.execute(
            sa.update(DeprecatedToken)
            .where(DeprecatedToken.token.in_(older), DeprecatedToken.revoke_at > ends)
            .values(revoke_at=ends)
        )
    elif older:
        db.session.execute(sa.delete(DeprecatedToken).where(DeprecatedToken.token.in_(older)))
    # The primary key changes in place: deprecated rows follow it (ON UPDATE CASCADE), so a
    # chain of regenerations always resolves to the newest key.
    row.token = new
    row.key_name = key_name(plan.plaintext)
    _apply(row, dict(plan.values))
    if row.auto_rotate:
        row.rotation_at = now + rotation_every(row)
    row.version += 1
    row.updated_at = now
    with _writing():
        db.session.flush()
    if plan.grace:
        db.session.add(DeprecatedToken(token=old, new_token=new, revoke_at=now + plan.grace, created_at=now))
    audit(actor, "regenerate", old, new_token=new, grace_seconds=int(plan.grace.total_seconds()))
    commit(old, new, *older, follow=new, created=new)  # `older` too: revoked ones are no successors now
    return {**key_view(row), "key": plan.plaintext}


def delete(body: dict[str, Any], actor: str) -> dict[str, Any]:
    values = fields.validate(body, fields.KeyDeleteRequest)
    keys, aliases = values.get("keys", []), values.get("key_aliases", [])
    if not keys and not aliases:
        raise BadRequest("Give `keys` and/or `key_aliases`.", param="keys")
    rows = [_row(k) for k in keys]
    for alias in aliases:
        row = db.session.scalar(sa.select(VerificationToken).where(VerificationToken.key_alias == alias))
        if row is None:
            raise NotFound(f"No key has the alias {alias!r}.", param="key_aliases")
        rows.append(row)
    rows = list({r.token: r for r in rows}.values())
    stale: list[str] = []
    for row in rows:
        stale += [row.token, *successors_of(row.token)]  # before the cascade removes them
        audit(actor, "delete", row.token)
        db.session.delete(row)
    commit(*stale)
    return {"deleted_keys": [r.token for r in rows]}


def info(key_or_hash: str) -> dict[str, Any]:
    row = _row(key_or_hash)
    return {"key": row.token, "info": key_view(row)}


def _contains(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its own `%`, `_` and `\\` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_keys(
    page: int,
    size: int,
    user_id: str | None,
    team_id: str | None,
    key_alias: str | None,
    full: bool,
    search: str | None = None,
) -> dict[str, Any]:
    """`key_alias` is /key/list's exact match; `search` (the UI's box, not an API parameter)
    matches part of the alias or of the key name (`sk-...abcd`), case-insensitively, in SQL."""
    query = sa.select(VerificationToken)
    for column, value in (("user_id", user_id), ("team_id", team_id), ("key_alias", key_alias)):
        if value is not None:
            query = query.where(getattr(VerificationToken, column) == value)
    if search:
        pattern = _contains(search)
        query = query.where(
            sa.or_(
                VerificationToken.key_alias.ilike(pattern, escape="\\"),
                VerificationToken.key_name.ilike(pattern, escape="\\"),
            )
        )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.order_by(VerificationToken.created_at.desc(), VerificationToken.token)
        .offset((page - 1) * size)
        .limit(size)
    ).all()
    return {
        "keys": [key_view(r) if full else r.token for r in rows],
        "total_count": total,
        "current_page": page,
        "total_pages": (total + size - 1) // size,
    }
