"""The handlers of keys (LiteLLM_VerificationToken) and spend (LiteLLM_SpendLogs as daily sums):
each key keeps its hash, so a client's `sk-...` works here on its first request."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from ...clock import utcnow
from ...durations import parse_duration
from ...extensions import db
from ...headers import hash_secret, mask
from ...keys import links
from ...keys import service as keys
from ...models import DailyUsage, DeprecatedToken, ImportedUsage, Organization, Team, User, VerificationToken
from . import mapping
from .report import TableReport
from .source import USERS, utc
from .steps import Context, fits, record
from .writer import ACTOR, upsert

HEX = re.compile(r"[0-9a-f]{64}")
ALL_TEAM_MODELS = "all-team-models"
UI_TEAM = "litellm-dashboard"  # LiteLLM's admin UI logs in with short-lived keys of this team


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
    if ctx.known.get(DeprecatedToken, token) is not None:
        report.skip(what, "this hash is an old key in a regeneration grace period here")
        return
    v = m.values
    if v["team_id"] and ctx.known.get(Team, v["team_id"]) is None:
        report.skip(what, f"its team {v['team_id']!r} was not imported")
        return
    if ALL_TEAM_MODELS in v["models"]:
        _resolve_team_models(ctx, v, m)
    if v["user_id"] and ctx.known.get(User, v["user_id"]) is None:
        if ctx.source.existing(USERS, "user_id", [v["user_id"]]):
            report.skip(what, f"its owner {v['user_id']!r} was not imported")
            return
        # As LiteLLM's /key/generate does for an unknown user_id.
        ctx.known.put(User, v["user_id"], links.ensure_user(v["user_id"], ACTOR))
        m.conflicts.append(f"owner {v['user_id']!r} is not in LiteLLM_UserTable: created as internal_user")
    if v["organization_id"] and ctx.known.get(Organization, v["organization_id"]) is None:
        m.conflicts.append(f"organization {v['organization_id']!r} was not imported: key kept without one")
        v["organization_id"] = None
    if v["key_alias"]:
        holder = ctx.aliases.get(v["key_alias"])
        if holder is not None and holder != token:
            m.conflicts.append(f"key_alias {v['key_alias']!r} is another key's here: imported without alias")
            v["key_alias"] = None
    current = ctx.known.get(VerificationToken, token)
    if v["auto_rotate"] and not _duration(v["rotation_interval"]):
        m.conflicts.append(f"rotation_interval {v['rotation_interval']!r} is not a duration: auto_rotate off")
        v["auto_rotate"], v["rotation_at"] = False, None
    elif v["auto_rotate"] and v["rotation_at"] is None:  # due one interval from its first import
        kept = current.rotation_at if current is not None else None
        v["rotation_at"] = kept or utcnow() + parse_duration(v["rotation_interval"])
    name = row["key_name"] if row["key_name"] and len(row["key_name"]) <= 16 else None
    v["key_name"] = name or (keys.key_name(row["token"]) if row["token"] != token else "sk-...")
    if not fits(report, what, VerificationToken, {"token": token, **v}):
        return
    if current is not None and current.last_used_at is not None and current.spend != v["spend"]:
        # The gateway has metered this key since: its spend (and live budget counter) wins.
        m.conflicts.append(f"spend {v['spend']} in LiteLLM, {current.spend} here after use: kept here")
        v["spend"] = current.spend
    outcome, _ = upsert(
        VerificationToken, {"token": token}, v, utc(row["created_at"]), row=current, find=False
    )
    ctx.aliases = {a: t for a, t in ctx.aliases.items() if t != token}  # its old alias is free now
    if v["key_alias"]:
        ctx.aliases[v["key_alias"]] = token
    if outcome == "imported":
        keys.audit(ACTOR, "import", token, fields=sorted(k for k, x in v.items() if mapping.present(x)))
        ctx.stale.append(token)
        ctx.created.append(token)
    elif outcome == "updated":
        keys.audit(ACTOR, "update", token, source="litellm")
        ctx.stale += [token, *keys.successors_of(token)]
    record(report, what, m, outcome)


def _resolve_team_models(ctx: Context, v: dict[str, Any], m: mapping.Mapped) -> None:
    """LiteLLM's `all-team-models` on a key is kept as it is: the gateway reads it as the team's
    models on every request, so the key follows later changes of them, as in LiteLLM. On a key
    with no team it allows no model here (LiteLLM: every model), which the report says."""
    team = ctx.known.get(Team, v["team_id"]) if v["team_id"] else None
    if team is None:
        m.conflicts.append("`all-team-models` on a key without a team: kept as is (it allows no model)")


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
    api_key, model, day = row["api_key"] or "", row["model"] or "", row["day"]
    if api_key.startswith("sk-"):  # a very old LiteLLM logged the key itself
        api_key = hash_secret(api_key)
    what = f"{day} {api_key[:12]}... {model}"
    if not HEX.fullmatch(api_key):
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
    before = ctx.known.get(ImportedUsage, pk)
    ours = ctx.known.get(DailyUsage, pk)
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


def _hashes(batch: list[dict[str, Any]]) -> list[str]:
    return [hash_secret(r["token"]) if r["token"].startswith("sk-") else r["token"] for r in batch]


def prefetch_keys(ctx: Context, batch: list[dict[str, Any]]) -> None:
    tokens = _hashes(batch)
    ctx.known.load(VerificationToken, tokens)
    ctx.known.load(DeprecatedToken, tokens)
    ctx.known.load(Team, [r["team_id"] for r in batch])
    ctx.known.load(User, [r["user_id"] for r in batch])
    ctx.known.load(Organization, [r["organization_id"] for r in batch])
    aliases = {r["key_alias"] for r in batch if r["key_alias"]}
    ctx.aliases = (
        dict(
            db.session.execute(
                sa.select(VerificationToken.key_alias, VerificationToken.token).where(
                    VerificationToken.key_alias.in_(sorted(aliases))
                )
            ).all()
        )
        if aliases
        else {}
    )


def prefetch_spend(ctx: Context, batch: list[dict[str, Any]]) -> None:
    hashed = [
        (r, hash_secret(r["api_key"]) if (r["api_key"] or "").startswith("sk-") else r["api_key"] or "")
        for r in batch
    ]
    pks = [(r["day"], h, r["model"] or "") for r, h in hashed if HEX.fullmatch(h)]
    ctx.known.load(ImportedUsage, pks)
    ctx.known.load(DailyUsage, pks)
