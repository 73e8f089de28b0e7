"""The handlers of the directory tables (organizations, users, teams, memberships, customers):
a LiteLLM row (or a batch, for team memberships) written as the gateway's rows, every skip and
conflict said in the report. Keys and spend are in key_steps.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from ...directory.common import key_tokens
from ...extensions import db
from ...models import (
    Customer,
    Organization,
    OrganizationMembership,
    Team,
    TeamMembership,
    User,
    VerificationToken,
)
from . import mapping
from .lookup import Known
from .report import TableReport
from .source import TEAM_MEMBERSHIPS, Source, utc
from .writer import too_long, upsert


@dataclass
class Context:
    source: Source
    budgets: dict[str, dict[str, Any]]
    model_aliases: dict[int, Any]
    master_hashes: frozenset[str]
    stale: list[str] = field(default_factory=list)  # key records to invalidate after the commit
    created: list[str] = field(default_factory=list)
    known: Known = field(default_factory=Known)  # the gateway's rows this batch needs
    aliases: dict[str, str] = field(default_factory=dict)  # key_alias -> token, for this batch's keys

    def budget(self, budget_id: str | None) -> dict[str, Any] | None:
        return self.budgets.get(budget_id) if budget_id else None


def record(report: TableReport, what: str, m: mapping.Mapped, outcome: str) -> None:
    report.count(outcome)
    report.not_kept.update(m.not_kept)
    for detail in m.conflicts:
        report.conflict(what, detail)


def fits(report: TableReport, what: str, model: type[db.Model], values: dict[str, Any]) -> bool:
    why = too_long(model, values)
    if why:
        report.skip(what, why)
    return why is None


def organization(ctx: Context, row: dict[str, Any], report: TableReport) -> None:
    oid = row["organization_id"]
    m = mapping.organization(row, ctx.budget(row["budget_id"]))
    if fits(report, oid, Organization, {"organization_id": oid, **m.values}):
        current = ctx.known.get(Organization, oid)
        outcome, _ = upsert(
            Organization, {"organization_id": oid}, m.values, utc(row["created_at"]), row=current, find=False
        )
        record(report, oid, m, outcome)


def user(ctx: Context, row: dict[str, Any], report: TableReport) -> None:
    uid = row["user_id"]
    m = mapping.user(row)
    if not fits(report, uid, User, {"user_id": uid, **m.values}):
        return
    before = ctx.known.get(User, uid)
    old_role = before.user_role if before is not None else None
    outcome, new = upsert(User, {"user_id": uid}, m.values, utc(row["created_at"]), row=before, find=False)
    if outcome == "updated" and new.user_role != old_role:  # a key acts with its owner's role
        ctx.stale += key_tokens(VerificationToken.user_id == uid)
    record(report, uid, m, outcome)


def team(ctx: Context, row: dict[str, Any], report: TableReport) -> None:
    tid = row["team_id"]
    m = mapping.team(row, ctx.model_aliases)
    oid = m.values["organization_id"]
    if oid and ctx.known.get(Organization, oid) is None:
        m.conflicts.append(f"organization {oid!r} was not imported: the team is imported without one")
        m.values["organization_id"] = None
    if not fits(report, tid, Team, {"team_id": tid, **m.values}):
        return
    before = ctx.known.get(Team, tid)
    was_blocked = before.blocked if before is not None else None
    outcome, new = upsert(Team, {"team_id": tid}, m.values, utc(row["created_at"]), row=before, find=False)
    if outcome == "updated" and new.blocked != was_blocked:  # cached key records carry it
        ctx.stale += key_tokens(VerificationToken.team_id == tid)
    record(report, tid, m, outcome)


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
    ctx.known.load(Team, ids)
    ctx.known.load(User, {uid for _, uid in found})
    ctx.known.load(TeamMembership, found, by=PAIR)
    for (tid, uid), seen in sorted(found.items()):
        what = f"{tid}:{uid}"
        report.read += 1
        if ctx.known.get(Team, tid) is None:
            report.skip(what, f"team {tid!r} was not imported")
            continue
        if uid.startswith("email:") or ctx.known.get(User, uid) is None:
            report.skip(
                what, f"user {uid.removeprefix('email:')!r} was not imported (not in LiteLLM_UserTable)"
            )
            continue
        membership = seen.get("membership")
        m = mapping.team_member(seen["role"], membership, ctx.budget((membership or {}).get("budget_id")))
        row = ctx.known.get(TeamMembership, (tid, uid), by=PAIR)
        outcome, _ = upsert(
            TeamMembership, {"team_id": tid, "user_id": uid}, m.values, object_id=what, row=row, find=False
        )
        record(report, what, m, outcome)


def org_member(ctx: Context, row: dict[str, Any], report: TableReport) -> None:
    oid, uid = row["organization_id"], row["user_id"]
    what = f"{oid}:{uid}"
    if ctx.known.get(Organization, oid) is None or ctx.known.get(User, uid) is None:
        report.skip(what, "its organization or user was not imported")
        return
    m = mapping.org_member(row, ctx.budget(row["budget_id"]))
    existing = ctx.known.get(OrganizationMembership, (oid, uid), by=ORG_PAIR)
    outcome, _ = upsert(
        OrganizationMembership,
        {"organization_id": oid, "user_id": uid},
        m.values,
        utc(row["created_at"]),
        object_id=what,
        row=existing,
        find=False,
    )
    record(report, what, m, outcome)


def customer(ctx: Context, row: dict[str, Any], report: TableReport) -> None:
    cid = row["user_id"]
    m = mapping.customer(row, ctx.budget(row["budget_id"]))
    if fits(report, cid, Customer, {"user_id": cid, **m.values}):
        current = ctx.known.get(Customer, cid)
        outcome, _ = upsert(Customer, {"user_id": cid}, m.values, row=current, find=False)
        record(report, cid, m, outcome)


# What each step reads of the gateway for a batch, in one query per table.
PAIR = ("team_id", "user_id")
ORG_PAIR = ("organization_id", "user_id")


def prefetch_organizations(ctx: Context, batch: list[dict[str, Any]]) -> None:
    ctx.known.load(Organization, [r["organization_id"] for r in batch])


def prefetch_users(ctx: Context, batch: list[dict[str, Any]]) -> None:
    ctx.known.load(User, [r["user_id"] for r in batch])


def prefetch_teams(ctx: Context, batch: list[dict[str, Any]]) -> None:
    ctx.known.load(Team, [r["team_id"] for r in batch])
    ctx.known.load(Organization, [r["organization_id"] for r in batch])


def prefetch_org_members(ctx: Context, batch: list[dict[str, Any]]) -> None:
    ctx.known.load(Organization, [r["organization_id"] for r in batch])
    ctx.known.load(User, [r["user_id"] for r in batch])
    ctx.known.load(OrganizationMembership, [(r["organization_id"], r["user_id"]) for r in batch], by=ORG_PAIR)


def prefetch_customers(ctx: Context, batch: list[dict[str, Any]]) -> None:
    ctx.known.load(Customer, [r["user_id"] for r in batch])
