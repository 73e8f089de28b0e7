"""One handler per source table: a LiteLLM row (or a batch, for memberships) written as the
gateway's rows, every skip and conflict said in the report."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from ...directory.common import key_tokens
from ...durations import parse_duration
from ...extensions import db
from ...headers import hash_secret, mask
from ...keys import links
from ...keys import service as keys
from ...models import (
    Customer,
    DailyUsage,
    DeprecatedToken,
    ImportedUsage,
    Organization,
    OrganizationMembership,
    Team,
    TeamMembership,
    User,
    VerificationToken,
)
from . import mapping
from .report import TableReport
from .source import TEAM_MEMBERSHIPS, USERS, Source, utc
from .writer import ACTOR, too_long, upsert

HEX = re.compile(r"[0-9a-f]{64}")
UI_TEAM = "litellm-dashboard"  # LiteLLM's admin UI logs in with short-lived keys of this team


@dataclass
class Context:
    source: Source
    budgets: dict[str, dict[str, Any]]
    model_aliases: dict[int, Any]
    master_hashes: frozenset[str]
    stale: list[str] = field(default_factory=list)  # key records to invalidate after the commit
    created: list[str] = field(default_factory=list)

    def budget(self, budget_id: str | None) -> dict[str, Any] | None:
        return self.budgets.get(budget_id) if budget_id else None


def _record(report: TableReport, what: str, m: mapping.Mapped, outcome: str) -> None:
    report.count(outcome)
    report.not_kept.update(m.not_kept)
    for detail in m.conflicts:
        report.conflict(what, detail)


def _fits(report: TableReport, what: str, model: type[db.Model], values: dict[str, Any]) -> bool:
    why = too_long(model, values)
    if why:
        report.skip(what, why)
    return why is None


def organization(ctx: Context, row: dict[str, Any], report: TableReport) -> None:
    oid = row["organization_id"]
    m = mapping.organization(row, ctx.budget(row["budget_id"]))
    if _fits(report, oid, Organization, {"organization_id": oid, **m.values}):
        outcome, _ = upsert(Organization, {"organization_id": oid}, m.values, utc(row["created_at"]))
        _record(report, oid, m, outcome)


def user(ctx: Context, row: dict[str, Any], report: TableReport) -> None:
    uid = row["user_id"]
    m = mapping.user(row)
    if not _fits(report, uid, User, {"user_id": uid, **m.values}):
        return
    before = db.session.get(User, uid)
    old_role = before.user_role if before is not None else None
    outcome, new = upsert(User, {"user_id": uid}, m.values, utc(row["created_at"]), row=before)
    if outcome == "updated" and new.user_role != old_role:  # a key acts with its owner's role
        ctx.stale += key_tokens(VerificationToken.user_id == uid)
    _record(report, uid, m, outcome)


def team(ctx: Context, row: dict[str, Any], report: TableReport) -> None:
    tid = row["team_id"]
    m = mapping.team(row, ctx.model_aliases)
    oid = m.values["organization_id"]
    if oid and db.session.get(Organization, oid) is None:
        m.conflicts.append(f"organization {oid!r} was not imported: the team is imported without one")
        m.values["organization_id"] = None
    if not _fits(report, tid, Team, {"team_id": tid, **m.values}):
        return
    before = db.session.get(Team, tid)
    was_blocked = before.blocked if before is not None else None
    outcome, new = upsert(Team, {"team_id": tid}, m.values, utc(row["created_at"]), row=before)
    if outcome == "updated" and new.blocked != was_blocked:  # cached key records carry it
        ctx.stale += key_tokens(VerificationToken.team_id == tid)
    _record(report, tid, m, outcome)


def _roles(team_row: dict[str, Any]) -> dict[str, str | None]:
    """user_id → role from the team row: members_with_roles first, then the legacy arrays."""
    roles: dict[str, str | None] = {}
    for uid in team_row["members"] or []:
        roles.setdefault(uid, "user")
    for uid in team_row["admins"] or []:
        roles[uid] = "admin"
    members = team_row["members_with_roles"]
    for member in members if isinstance(members, list) else []:
        uid = member.get("user_id") if isinstance(member, dict) else None
        if uid is None and isinstance(member, dict) and member.get("user_email"):
            uid = db.session.scalar(
                sa.select(User.user_id).where(User.user_email == member["user_email"]).limit(1)
            )
            uid = uid or f"email:{member['user_email']}"
        if uid:
            roles[uid] = member.get("role")
    return roles


def team_members(ctx: Context, teams: list[dict[str, Any]], report: TableReport) -> None:
    """The memberships of a batch of teams: members_with_roles (roles), LiteLLM_TeamMembership
    (budgets, spend) and the users' `teams` arrays, merged per (team, user)."""
    ids = [t["team_id"] for t in teams]
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for t in teams:
        for uid, role in _roles(t).items():
            found[(t["team_id"], uid)] = {"role": role}
    for m in ctx.source.where_any(TEAM_MEMBERSHIPS, "team_id", ids):
        found.setdefault((m["team_id"], m["user_id"]), {"role": None})["membership"] = m
    for u in ctx.source.users_in_teams(ids):
        for tid in set(u["teams"] or []) & set(ids):
            found.setdefault((tid, u["user_id"]), {"role": None})
    for (tid, uid), seen in sorted(found.items()):
        what = f"{tid}:{uid}"
        report.read += 1
        if db.session.get(Team, tid) is None:
            report.skip(what, f"team {tid!r} was not imported")
            continue
        if uid.startswith("email:") or db.session.get(User, uid) is None:
            report.skip(
                what, f"user {uid.removeprefix('email:')!r} was not imported (not in LiteLLM_UserTable)"
            )
            continue
        membership = seen.get("membership")
        m = mapping.team_member(seen["role"], membership, ctx.budget((membership or {}).get("budget_id")))
        row = db.session.scalar(
            sa.select(TeamMembership).where(TeamMembership.team_id == tid, TeamMembership.user_id == uid)
        )
        outcome, _ = upsert(
            TeamMembership, {"team_id": tid, "user_id": uid}, m.values, object_id=what, row=row, find=False
        )
        _record(report, what, m, outcome)


def org_member(ctx: Context, row: dict[str, Any], report: TableReport) -> None:
    oid, uid = row["organization_id"], row["user_id"]
    what = f"{oid}:{uid}"
    if db.session.get(Organization, oid) is None or db.session.get(User, uid) is None:
        report.skip(what, "its organization or user was not imported")
        return
    m = mapping.org_member(row, ctx.budget(row["budget_id"]))
    existing = db.session.scalar(
        sa.select(OrganizationMembership).where(
            OrganizationMembership.organization_id == oid, OrganizationMembership.user_id == uid
        )
    )
    outcome, _ = upsert(
        OrganizationMembership,
        {"organization_id": oid, "user_id": uid},
        m.values,
        utc(row["created_at"]),
        object_id=what,
        row=existing,
        find=False,
    )
    _record(report, what, m, outcome)


def customer(ctx: Context, row: dict[str, Any], report: TableReport) -> None:
    cid = row["user_id"]
    m = mapping.customer(row, ctx.budget(row["budget_id"]))
    if _fits(report, cid, Customer, {"user_id": cid, **m.values}):
        outcome, _ = upsert(Customer, {"user_id": cid}, m.values)
        _record(report, cid, m, outcome)


def _key_hash(row: dict[str, Any], m: mapping.Mapped) -> str | None:
    """LiteLLM stores sha256 hex of the key, as the gateway does (values.hash_secret); very old
    LiteLLM versions stored the `sk-...` itself, which is hashed here and never kept."""
    token = row["token"]
    if HEX.fullmatch(token):
        return token
    if token.startswith("sk-"):
        m.conflicts.append("the key was stored in plaintext by LiteLLM: imported by its hash only")
        return hash_secret(token)
    return None


def key(ctx: Context, row: dict[str, Any], report: TableReport) -> None:
    m = mapping.key(row, ctx.budget(row["budget_id"]))
    token = _key_hash(row, m)
    what = (row["key_alias"] or row["key_name"] or "") + f" ({token[:12] if token else '?'}...)"
    if token is None:
        report.skip(what, "`token` is neither a SHA-256 hex digest nor an sk- key")
        return
    if row["token"] != token:
        what = f"{mask(row['token'])} ({token[:12]}...)"
    if token in ctx.master_hashes:
        report.skip(what, "LiteLLM's master key is not imported: the gateway's is configured")
        return
    if row["team_id"] == UI_TEAM:
        report.skip(what, "a LiteLLM admin UI session key")
        return
    if db.session.get(DeprecatedToken, token) is not None:
        report.skip(what, "this hash is an old key in a regeneration grace period here")
        return
    v = m.values
    if v["team_id"] and db.session.get(Team, v["team_id"]) is None:
        report.skip(what, f"its team {v['team_id']!r} was not imported")
        return
    if v["user_id"] and db.session.get(User, v["user_id"]) is None:
        if ctx.source.existing(USERS, "user_id", [v["user_id"]]):
            report.skip(what, f"its owner {v['user_id']!r} was not imported")
            return
        links.ensure_user(v["user_id"], ACTOR)  # as LiteLLM's /key/generate does for an unknown user_id
        m.conflicts.append(f"owner {v['user_id']!r} is not in LiteLLM_UserTable: created as internal_user")
    if v["organization_id"] and db.session.get(Organization, v["organization_id"]) is None:
        m.conflicts.append(f"organization {v['organization_id']!r} was not imported: key kept without one")
        v["organization_id"] = None
    if v["key_alias"]:
        taken = db.session.scalar(
            sa.select(VerificationToken.token).where(
                VerificationToken.key_alias == v["key_alias"], VerificationToken.token != token
            )
        )
        if taken:
            m.conflicts.append(f"key_alias {v['key_alias']!r} is another key's here: imported without alias")
            v["key_alias"] = None
    if v["auto_rotate"] and not _duration(v["rotation_interval"]):
        m.conflicts.append(f"rotation_interval {v['rotation_interval']!r} is not a duration: auto_rotate off")
        v["auto_rotate"], v["rotation_at"] = False, None
    name = row["key_name"] if row["key_name"] and len(row["key_name"]) <= 16 else None
    v["key_name"] = name or (keys.key_name(row["token"]) if row["token"] != token else "sk-...")
    if not _fits(report, what, VerificationToken, {"token": token, **v}):
        return
    current = db.session.get(VerificationToken, token)
    if current is not None and current.last_used_at is not None and current.spend != v["spend"]:
        # The gateway has metered this key since: its spend (and live budget counter) wins.
        m.conflicts.append(f"spend {v['spend']} in LiteLLM, {current.spend} here after use: kept here")
        v["spend"] = current.spend
    outcome, _ = upsert(VerificationToken, {"token": token}, v, utc(row["created_at"]), row=current)
    if outcome == "imported":
        keys.audit(ACTOR, "import", token, fields=sorted(k for k, x in v.items() if mapping.present(x)))
        ctx.stale.append(token)
        ctx.created.append(token)
    elif outcome == "updated":
        keys.audit(ACTOR, "update", token, source="litellm")
        ctx.stale += [token, *keys.successors_of(token)]
    _record(report, what, m, outcome)


def _duration(value: str | None) -> bool:
    try:
        parse_duration(value)
    except (ValueError, TypeError):
        return False
    return True


USAGE = ("requests", "prompt_tokens", "completion_tokens", "cost", "errors")


def daily_spend(ctx: Context, row: dict[str, Any], report: TableReport) -> None:
    """One (day, key, model) of LiteLLM_SpendLogs, summed: daily_usage gets LiteLLM's share,
    replacing what an earlier import added and keeping what the gateway metered itself."""
    api_key, model, day = row["api_key"], row["model"] or "", row["day"]
    what = f"{day} {api_key[:12]}... {model}"
    if not HEX.fullmatch(api_key or ""):
        report.skip(what, "requests made without a virtual key")
        return
    if api_key in ctx.master_hashes:
        report.skip(what, "requests made with LiteLLM's master key")
        return
    if len(model) > 255:
        report.skip(what, "`model` is longer than 255 characters")
        return
    pk = (day, api_key, model)
    theirs = {
        "requests": int(row["requests"]),
        "prompt_tokens": int(row["prompt_tokens"]),
        "completion_tokens": int(row["completion_tokens"]),
        "cost": float(row["cost"]),
        "errors": int(row["errors"]),
    }
    before = db.session.get(ImportedUsage, pk)
    ours = db.session.get(DailyUsage, pk)
    merged = {
        n: (getattr(ours, n) if ours else 0) - (getattr(before, n) if before else 0) + theirs[n]
        for n in USAGE
    }
    identity = {"day": day, "key_hash": api_key, "model": model}
    upsert(ImportedUsage, identity, theirs, row=before, find=False)
    if ours is not None and all(abs(getattr(ours, n) - merged[n]) < 1e-9 for n in USAGE):
        report.count("unchanged")
        return
    outcome, _ = upsert(DailyUsage, identity, merged, row=ours, find=False)
    report.count(outcome)
