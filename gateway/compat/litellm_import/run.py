"""The import, table by table in dependency order; one transaction per batch, committed with its
checkpoint; cached key records refreshed after each commit, as /key/* does."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import psycopg
from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from ... import leases
from ...errors import GatewayError
from ...extensions import db, get_redis
from ...headers import hash_secret
from ...stages import stages
from . import key_steps, steps
from . import source as src
from .report import Report
from .steps import Context
from .writer import DONE, checkpoints, clear_checkpoints, save_checkpoint


def _nothing(ctx: Context, batch: list[dict[str, Any]]) -> None:
    pass  # team_members reads what it needs once it has merged the batch's members


# (checkpoint/report name, the source table paged, what a batch reads here first, handler,
# whether the handler takes the whole batch)
STEPS: tuple[tuple[str, src.Table, Callable[..., None], Callable[..., None], bool], ...] = (
    (src.ORGANIZATIONS.name, src.ORGANIZATIONS, steps.prefetch_organizations, steps.organization, False),
    (src.USERS.name, src.USERS, steps.prefetch_users, steps.user, False),
    (src.TEAMS.name, src.TEAMS, steps.prefetch_teams, steps.team, False),
    (src.TEAM_MEMBERSHIPS.name, src.TEAMS, _nothing, steps.team_members, True),  # with members_with_roles
    (src.ORG_MEMBERSHIPS.name, src.ORG_MEMBERSHIPS, steps.prefetch_org_members, steps.org_member, False),
    (src.CUSTOMERS.name, src.CUSTOMERS, steps.prefetch_customers, steps.customer, False),
    (src.KEYS.name, src.KEYS, key_steps.prefetch_keys, key_steps.key, False),
    (src.SPEND.name + " (daily)", src.SPEND, key_steps.prefetch_spend, key_steps.daily_spend, False),
)
REQUIRED = (
    src.BUDGETS,
    src.ORGANIZATIONS,
    src.USERS,
    src.TEAMS,
    src.TEAM_MEMBERSHIPS,
    src.ORG_MEMBERSHIPS,
    src.CUSTOMERS,
    src.KEYS,
    src.SPEND,
)


LEASE = "gw:lease:litellm-import"
LEASE_TTL = 300.0  # renewed per batch: a crashed run frees it within this


class ImportFailed(Exception):
    pass


def run_import(
    url: str,
    batch_size: int = 500,
    dry_run: bool = False,
    master_key: str | None = None,
    restart: bool = False,
) -> Report:
    """Import LiteLLM's database at `url` into the current app's. Never raises for a failed
    batch: the report says where it stopped (`error`), and the next run resumes there."""
    source_id, shown = src.fingerprint(url)
    report = Report(source=shown, dry_run=dry_run)
    client = get_redis(current_app)
    lease = leases.acquire(client, LEASE, LEASE_TTL)
    if lease is None:
        report.error = (
            "Another `flask litellm import` is running against this gateway; try again when it ends."
        )
        return report
    try:
        return _run(url, source_id, report, batch_size, dry_run, master_key, restart)
    finally:
        leases.release(client, LEASE, lease)


def _run(
    url: str,
    source_id: str,
    report: Report,
    batch_size: int,
    dry_run: bool,
    master_key: str | None,
    restart: bool,
) -> Report:
    source = src.Source(url)
    try:
        missing = [t.name for t in REQUIRED if not source.has_table(t.name)]
        if missing:
            report.error = f"Not a LiteLLM database: no table {', '.join(missing)}."
            return report
        ctx = Context(
            source=source,
            budgets={r["budget_id"]: r for r in source.all_rows(src.BUDGETS)},
            model_aliases=(
                {r["id"]: r["aliases"] for r in source.all_rows(src.MODEL_ALIASES)}
                if source.has_table(src.MODEL_ALIASES.name)
                else {}
            ),
            master_hashes=_master_hashes(master_key),
        )
        if restart and not dry_run:
            clear_checkpoints(source_id)
            db.session.commit()
        done = {} if restart else checkpoints(source_id)
        for name, table, prefetch, handle, whole_batch in STEPS:
            step = (name, table, prefetch, handle, whole_batch)
            _step(ctx, report, source_id, step, done.get(name), batch_size, dry_run)
        if dry_run:
            db.session.rollback()
        else:
            clear_checkpoints(source_id)  # complete: the next run reads everything again
            db.session.commit()
    except ImportFailed:
        pass
    finally:
        if dry_run:
            db.session.rollback()
        source.close()
    return report


def _master_hashes(master_key: str | None) -> frozenset[str]:
    """LiteLLM's master key (given) and the gateway's: neither is imported as a virtual key."""
    hashes = set()
    ours = stages().settings.master_key
    for key in (master_key, ours):
        if key:
            hashes.add(hash_secret(key))
    return frozenset(hashes)


def _step(
    ctx: Context,
    report: Report,
    source_id: str,
    step: tuple[str, src.Table, Callable[..., None], Callable[..., None], bool],
    checkpoint: Any,
    size: int,
    dry_run: bool,
) -> None:
    name, table, prefetch, handle, whole_batch = step
    out = report.table(name)
    after = None
    if checkpoint is not None:
        if checkpoint.last_key == DONE:
            out.resumed_after = "complete in an earlier run"
            return
        after = json.loads(checkpoint.last_key)
        out.resumed_after = after
    number, rows = 0, checkpoint.rows if checkpoint is not None else 0
    try:
        for batch in ctx.source.batches(table, size, after):
            number += 1
            # No flush per lookup: the batch's rows were read up front (ctx.known); it is
            # written at its commit.
            with db.session.no_autoflush:
                prefetch(ctx, batch)
                if whole_batch:
                    handle(ctx, batch, out)
                else:
                    for row in batch:
                        out.read += 1
                        handle(ctx, row, out)
            rows += len(batch)
            last = _checkpoint_of(table, batch, after)
            _commit(ctx, source_id, name, last, rows, dry_run)
            leases.renew(get_redis(current_app), LEASE, LEASE_TTL)
        if not dry_run:
            save_checkpoint(source_id, name, DONE, rows)
            db.session.commit()
    # psycopg.Error unwrapped: reading the source; GatewayError: a service refused (a lost race)
    except (SQLAlchemyError, psycopg.Error, GatewayError) as exc:
        db.session.rollback()
        ctx.stale.clear()
        ctx.created.clear()
        ctx.known.clear()
        cause = getattr(exc, "orig", None) or exc
        detail = exc.message if isinstance(exc, GatewayError) else str(cause).strip().splitlines()[0]
        where = f"after {json.dumps(after, default=str)}" if number == 1 and after else f"batch {number}"
        report.error = (
            f"{name}, {where}: {type(cause).__name__}: {detail}. "
            "The batches before it are committed; run the import again to resume."
        )
        raise ImportFailed from None


def _checkpoint_of(table: src.Table, batch: list[dict[str, Any]], after: Any) -> Any:
    """The last primary key of the batch that may be stored: never a plaintext key (a very old
    LiteLLM's `token` or `api_key`). Resuming before such rows reads them again, which the
    upserts make harmless."""
    secret = {src.KEYS: "token", src.SPEND: "api_key"}.get(table)
    safe = [r for r in batch if not (secret and str(r[secret] or "").startswith("sk-"))]
    return [safe[-1][c] for c in table.key] if safe else after


def _commit(ctx: Context, source_id: str, name: str, last: list[Any], rows: int, dry_run: bool) -> None:
    if dry_run:
        db.session.flush()  # later tables see this batch's rows; all rolled back at the end
        ctx.stale.clear()
        ctx.created.clear()
        ctx.known.clear()
        return
    save_checkpoint(source_id, name, last, rows)
    db.session.commit()
    if ctx.stale:
        # As /key/* does: drop the old records everywhere and write the new ones to L2 at once,
        # clearing a cached "unknown key" for every key just created.
        stages().keycache.invalidate(ctx.stale, created=ctx.created)
    ctx.stale.clear()
    ctx.created.clear()
    ctx.known.clear()
