"""`flask users|teams|orgs ...`: the directory for operators, through the same services as the API.

The CLI acts as the proxy admin (an operator at the console holds the database anyway); its
audit events name the actor `cli`. Settings are given as options or as one `--json` object
whose names are the API's, so every field the API takes is reachable without a flag for each.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click
from flask.cli import AppGroup

from ..directory import organizations, teams, users
from ..errors import GatewayError
from ..values import MASTER

ACTOR = "cli"
users_group = AppGroup("users", help="Manage users (the same operations as /user/*).")
teams_group = AppGroup("teams", help="Manage teams (the same operations as /team/*).")
orgs_group = AppGroup("orgs", help="Manage organizations (the same operations as /organization/*).")


def _run(fn: Callable[..., Any], *args: Any) -> None:
    try:
        result = fn(*args)
    except GatewayError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(json.dumps(result, indent=2, sort_keys=True, default=str))


def _body(raw: str | None, **options: Any) -> dict[str, Any]:
    """`--json`'s object, then the options given (comma-separated `models`)."""
    body: dict[str, Any] = {}
    if raw is not None:
        try:
            body = json.loads(raw)
        except ValueError:
            raise click.BadParameter("must be a JSON object", param_hint="--json") from None
        if not isinstance(body, dict):
            raise click.BadParameter("must be a JSON object", param_hint="--json")
    for name, value in options.items():
        if value is not None:
            body[name] = [v.strip() for v in value.split(",") if v.strip()] if name == "models" else value
    return body


def _settings(*extra: Callable[..., Any]) -> Callable[..., Any]:
    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        for opt in reversed(
            [
                click.option("--models", help="comma-separated model names"),
                click.option("--max-budget", type=float),
                click.option("--budget-duration", help="e.g. 30d"),
                click.option("--tpm-limit", type=int),
                click.option("--rpm-limit", type=int),
                *extra,
                click.option("--json", "raw", help="any other fields, as a JSON object (the API's names)"),
            ]
        ):
            fn = opt(fn)
        return fn

    return wrap


def _paging(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option("--size", type=click.IntRange(1, 100), default=50)(fn)
    return click.option("--page", type=click.IntRange(1), default=1)(fn)


# users ------------------------------------------------------------------------------------------


@users_group.command("new")
@click.argument("user_id")
@_settings(
    click.option("--email", "user_email"),
    click.option("--alias", "user_alias"),
    click.option("--role", "user_role"),
    click.option("--no-key", "no_key", is_flag=True, help="do not create a key (auto_create_key: false)"),
)
def user_new(user_id: str, raw: str | None, no_key: bool, **options: Any) -> None:
    """Create a user; its first key's plaintext is printed this once."""
    body = _body(raw, **options, user_id=user_id)
    if no_key:
        body["auto_create_key"] = False
    _run(users.new, body, MASTER, ACTOR)


@users_group.command("info")
@click.argument("user_id")
def user_info(user_id: str) -> None:
    _run(users.info, user_id, MASTER)


@users_group.command("update")
@click.argument("user_id")
@_settings(click.option("--email", "user_email"), click.option("--alias", "user_alias"),
           click.option("--role", "user_role"))  # fmt: skip
def user_update(user_id: str, raw: str | None, **options: Any) -> None:
    _run(users.update, _body(raw, **options, user_id=user_id), MASTER, ACTOR)


@users_group.command("delete")
@click.argument("user_ids", nargs=-1, required=True)
def user_delete(user_ids: tuple[str, ...]) -> None:
    """Delete users, with their keys and memberships."""
    _run(users.delete, {"user_ids": list(user_ids)}, MASTER, ACTOR)


@users_group.command("list")
@_paging
@click.option("--role")
@click.option("--email", "user_email")
def user_list(page: int, size: int, **filters: Any) -> None:
    _run(users.list_users, page, size, {k: v for k, v in filters.items() if v is not None}, MASTER)


# teams ------------------------------------------------------------------------------------------


@teams_group.command("new")
@click.argument("team_id")
@_settings(click.option("--alias", "team_alias"), click.option("--org", "organization_id"))
def team_new(team_id: str, raw: str | None, **options: Any) -> None:
    _run(teams.new, _body(raw, **options, team_id=team_id), MASTER, ACTOR)


@teams_group.command("info")
@click.argument("team_id")
def team_info(team_id: str) -> None:
    _run(teams.info, team_id, MASTER)


@teams_group.command("update")
@click.argument("team_id")
@_settings(click.option("--alias", "team_alias"), click.option("--org", "organization_id"))
def team_update(team_id: str, raw: str | None, **options: Any) -> None:
    _run(teams.update, _body(raw, **options, team_id=team_id), MASTER, ACTOR)


@teams_group.command("delete")
@click.argument("team_ids", nargs=-1, required=True)
def team_delete(team_ids: tuple[str, ...]) -> None:
    """Delete teams, with their keys and memberships (as LiteLLM's /team/delete)."""
    _run(teams.delete, {"team_ids": list(team_ids)}, MASTER, ACTOR)


@teams_group.command("list")
@_paging
@click.option("--org", "organization_id")
@click.option("--alias", "team_alias")
def team_list(page: int, size: int, **filters: Any) -> None:
    _run(teams.list_teams, page, size, {k: v for k, v in filters.items() if v is not None}, MASTER)


@teams_group.command("block")
@click.argument("team_id")
def team_block(team_id: str) -> None:
    """Block a team: its keys stop working everywhere within a second."""
    _run(teams.set_blocked, {"team_id": team_id}, True, MASTER, ACTOR)


@teams_group.command("unblock")
@click.argument("team_id")
def team_unblock(team_id: str) -> None:
    _run(teams.set_blocked, {"team_id": team_id}, False, MASTER, ACTOR)


@teams_group.command("member-add")
@click.argument("team_id")
@click.argument("user_id")
@click.option("--role", type=click.Choice(["admin", "user"]), default="user")
def team_member_add(team_id: str, user_id: str, role: str) -> None:
    _run(teams.member_add, {"team_id": team_id, "member": {"role": role, "user_id": user_id}}, MASTER, ACTOR)


@teams_group.command("member-delete")
@click.argument("team_id")
@click.argument("user_id")
def team_member_delete(team_id: str, user_id: str) -> None:
    _run(teams.member_delete, {"team_id": team_id, "user_id": user_id}, MASTER, ACTOR)


# organizations ----------------------------------------------------------------------------------


@orgs_group.command("new")
@click.argument("alias")
@_settings(click.option("--id", "organization_id"))
def org_new(alias: str, raw: str | None, **options: Any) -> None:
    _run(organizations.new, _body(raw, **options, organization_alias=alias), MASTER, ACTOR)


@orgs_group.command("info")
@click.argument("organization_id")
def org_info(organization_id: str) -> None:
    _run(organizations.info, organization_id, MASTER)


@orgs_group.command("update")
@click.argument("organization_id")
@_settings(click.option("--alias", "organization_alias"))
def org_update(organization_id: str, raw: str | None, **options: Any) -> None:
    _run(organizations.update, _body(raw, **options, organization_id=organization_id), MASTER, ACTOR)


@orgs_group.command("delete")
@click.argument("organization_ids", nargs=-1, required=True)
def org_delete(organization_ids: tuple[str, ...]) -> None:
    """Delete organizations with their teams, memberships and keys (as LiteLLM does)."""
    _run(organizations.delete, {"organization_ids": list(organization_ids)}, MASTER, ACTOR)


@orgs_group.command("list")
@click.option("--page", type=click.IntRange(1), default=1)
@click.option("--size", type=click.IntRange(1, 1000), default=100)
@click.option("--alias", "org_alias")
def org_list(page: int, size: int, org_alias: str | None) -> None:
    _run(organizations.list_organizations, MASTER, page, size, None, org_alias)


def _set_blocked(organization_id: str, blocked: bool) -> dict[str, Any]:
    return organizations.update({"organization_id": organization_id, "blocked": blocked}, MASTER, ACTOR)


@orgs_group.command("block")
@click.argument("organization_id")
def org_block(organization_id: str) -> None:
    """Set the organization's `blocked` (/organization/update's field: LiteLLM has no org block route)."""
    _run(_set_blocked, organization_id, True)


@orgs_group.command("unblock")
@click.argument("organization_id")
def org_unblock(organization_id: str) -> None:
    _run(_set_blocked, organization_id, False)


@orgs_group.command("member-add")
@click.argument("organization_id")
@click.argument("user_id")
@click.option("--role", type=click.Choice(["org_admin", "internal_user", "internal_user_viewer"]),
              default="internal_user")  # fmt: skip
def org_member_add(organization_id: str, user_id: str, role: str) -> None:
    body = {"organization_id": organization_id, "member": {"role": role, "user_id": user_id}}
    _run(organizations.member_add, body, MASTER, ACTOR)


@orgs_group.command("member-update")
@click.argument("organization_id")
@click.argument("user_id")
@click.option(
    "--role", type=click.Choice(["org_admin", "internal_user", "internal_user_viewer"]), required=True
)
def org_member_update(organization_id: str, user_id: str, role: str) -> None:
    body = {"organization_id": organization_id, "user_id": user_id, "role": role}
    _run(organizations.member_update, body, MASTER, ACTOR)


@orgs_group.command("member-delete")
@click.argument("organization_id")
@click.argument("user_id")
def org_member_delete(organization_id: str, user_id: str) -> None:
    _run(organizations.member_delete, {"organization_id": organization_id, "user_id": user_id}, MASTER, ACTOR)
