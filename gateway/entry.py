"""Entry points for gunicorn (`wsgi.py`) and the flask CLI (`app.py`): a config error is one line."""

from __future__ import annotations

import sys

from flask import Flask

from . import create_app
from .settings import ConfigError


def make_app() -> Flask:
    try:
        return create_app()
    except ConfigError as exc:
        print(str(exc), file=sys.stderr, flush=True)
        # 3 is gunicorn's "worker failed to boot": the arbiter stops instead of respawning.
        raise SystemExit(3) from None
