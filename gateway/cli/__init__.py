"""Operator commands: `gateway run` (console script) and the `flask keys|users|teams|orgs|jobs|litellm`
groups."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from .directory import orgs_group, teams_group, users_group
    from .jobs import jobs
    from .keys import keys
    from .litellm import litellm

    app.cli.add_command(keys)
    app.cli.add_command(jobs)
    app.cli.add_command(litellm)
    for group in (users_group, teams_group, orgs_group):
        app.cli.add_command(group)
