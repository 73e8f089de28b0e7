"""Operator commands: `gateway run` (console script) and the `flask keys ...` group."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from .jobs import jobs
    from .keys import keys

    app.cli.add_command(keys)
    app.cli.add_command(jobs)
