"""Entry points for gunicorn (`wsgi.py`) and the flask CLI (`app.py`): a config error is one line."""

from __future__ import annotations

import os
import sys

from flask import Flask

from . import create_app, report_ignored
from .config import validate_config
from .settings import ConfigError


def make_app(cli: bool = False) -> Flask:
    """The app; for the flask CLI (`cli`), a database without a schema is allowed (the CLI is
    what gives it one, `flask db upgrade`), and the start-up report is left to the servers."""
    try:
        return create_app({"SCHEMA_OPTIONAL": True, "QUIET_START": True} if cli else None)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr, flush=True)
        # 3 is gunicorn's "worker failed to boot": the arbiter stops instead of respawning.
        raise SystemExit(3) from None


def check_config() -> int:
    """Validate the config as start-up does (validate_config), without a database, and report it
    once for the whole server (gunicorn's on_starting runs this before any worker)."""
    try:
        settings = validate_config(path=os.environ.get("CONFIG_FILE_PATH") or None).settings
        report_ignored(settings)
        if settings.enable_jwt_auth:
            from .auth.jwt.settings import jwt_settings, warn_unchecked

            warn_unchecked(jwt_settings(settings))
    except ConfigError as exc:
        print(str(exc), file=sys.stderr, flush=True)
        return 2
    return 0


if __name__ == "__main__" and sys.argv[1:] == ["--check"]:
    sys.exit(check_config())
