"""`flask litellm import --from postgresql://...`: move a LiteLLM Proxy's database here."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

litellm = AppGroup("litellm", help="Move from LiteLLM Proxy (docs/migrate-from-litellm.md).")


@litellm.command("import")
@click.option("--from", "url", required=True, help="LiteLLM's DATABASE_URL (postgresql://...); read only")
@click.option("--dry-run", is_flag=True, help="report what would change; write nothing")
@click.option(
    "--batch-size",
    type=click.IntRange(1, 100_000),
    default=500,
    show_default=True,
    help="rows per transaction (and per checkpoint)",
)
@click.option(
    "--master-key",
    envvar="LITELLM_SOURCE_MASTER_KEY",
    help="LiteLLM's master key, if it differs from this gateway's: its row is not imported",
)
@click.option("--restart", is_flag=True, help="ignore the checkpoints of a failed run and start over")
def import_(url: str, dry_run: bool, batch_size: int, master_key: str | None, restart: bool) -> None:
    """Import keys (they keep working: same hashes), users, teams, memberships, organizations,
    customers, budgets and daily spend. Safe to run again: equal rows are left as they are."""
    import psycopg
    import redis

    from ..compat.litellm_import import run_import

    try:
        report = run_import(
            url, batch_size=batch_size, dry_run=dry_run, master_key=master_key, restart=restart
        )
    except redis.RedisError as exc:
        raise click.ClickException(
            f"Redis is unavailable ({type(exc).__name__}): try again shortly."
        ) from None
    except psycopg.Error as exc:  # the source cannot be read at all
        raise click.ClickException(
            f"Cannot read LiteLLM's database: {str(exc).strip().splitlines()[0]}"
        ) from None
    click.echo(json.dumps(report.as_dict(), indent=2, sort_keys=True, default=str))
    if not report.ok:
        raise click.ClickException(report.error or "import failed")
