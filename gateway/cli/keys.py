"""`flask keys ...`: key management for operators, through the same service as `/key/*`."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click
from flask.cli import AppGroup

from ..errors import GatewayError
from ..keys import service

ACTOR = "cli"
keys = AppGroup("keys", help="Manage virtual keys (the same operations as /key/*).")


def _run(fn: Callable[..., dict[str, Any]], *args: Any) -> None:
    try:
        result = fn(*args)
    except GatewayError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(json.dumps(result, indent=2, sort_keys=True))


def _csv(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value is not None else None


def _settings(**options: Any) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for name, value in options.items():
        if value is None:
            continue
        if name in ("models", "allowed_routes", "allowed_ips"):
            value = _csv(value)
        elif name == "metadata":
            try:
                value = json.loads(value)
            except ValueError:
                raise click.BadParameter("must be a JSON object", param_hint="--metadata") from None
        body[name] = value
    return body


def _setting_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    for opt in reversed(
        [
            click.option("--models", help="comma-separated model names"),
            click.option("--alias", "key_alias"),
            click.option("--duration", help="e.g. 30d"),
            click.option("--user-id"),
            click.option("--team-id"),
            click.option("--max-budget", type=float),
            click.option("--budget-duration"),
            click.option("--rpm-limit", type=int),
            click.option("--tpm-limit", type=int),
            click.option("--max-parallel-requests", type=int),
            click.option("--allowed-routes", help="comma-separated routes or groups"),
            click.option("--allowed-ips", help="comma-separated addresses or CIDRs the key may be used from"),
            click.option("--metadata", help="a JSON object"),
        ]
    ):
        fn = opt(fn)
    return fn


@keys.command("generate")
@_setting_options
@click.option("--key", "custom_key", help="import an existing key (sk-..., 16+ characters)")
def generate(custom_key: str | None, **options: Any) -> None:
    """Create a key; its plaintext is printed this once."""
    body = _settings(**options)
    if custom_key:
        body["key"] = custom_key
    _run(service.generate, body, ACTOR)


@keys.command("update")
@click.argument("key")
@_setting_options
def update(key: str, **options: Any) -> None:
    """Change a key's settings (omitted settings are kept)."""
    _run(service.update, {**_settings(**options), "key": key}, ACTOR)


@keys.command("list")
@click.option("--page", type=int, default=1)
@click.option("--size", type=int, default=50)
@click.option("--user-id")
@click.option("--team-id")
@click.option("--alias", "key_alias")
def list_(page: int, size: int, user_id: str | None, team_id: str | None, key_alias: str | None) -> None:
    """List keys (newest first)."""
    _run(service.list_keys, page, size, user_id, team_id, key_alias, True)


@keys.command("info")
@click.argument("key")
def info(key: str) -> None:
    """Show one key, by plaintext or hash."""
    _run(service.info, key)


@keys.command("block")
@click.argument("key")
def block(key: str) -> None:
    _run(service.set_blocked, key, True, ACTOR)


@keys.command("unblock")
@click.argument("key")
def unblock(key: str) -> None:
    _run(service.set_blocked, key, False, ACTOR)


@keys.command("delete")
@click.argument("key_list", nargs=-1, required=True)
def delete(key_list: tuple[str, ...]) -> None:
    """Delete keys, by plaintext or hash."""
    _run(service.delete, {"keys": list(key_list)}, ACTOR)


@keys.command("rotate")
@click.option("--due", is_flag=True, required=True, help="rotate every key whose rotation is due")
def rotate(due: bool) -> None:
    """Rotate the keys that are due now, delivering each new key to the rotation webhook."""
    from ..keys.lifecycle import rotate_due

    click.echo(rotate_due())


@keys.command("regenerate")
@click.argument("key")
@click.option("--grace-period", help="how long the old key keeps working, e.g. 24h")
def regenerate(key: str, grace_period: str | None) -> None:
    """Replace a key; the new plaintext is printed this once."""
    body: dict[str, Any] = {"key": key}
    if grace_period:
        body["grace_period"] = grace_period
    _run(service.regenerate, body, ACTOR)
