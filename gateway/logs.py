"""Logging: one format, and a last line of defence that masks anything shaped like a key."""

from __future__ import annotations

import logging
import os
import re

from flask import Flask

_SECRET = re.compile(r"sk-[A-Za-z0-9_\-]{4,}([A-Za-z0-9_\-]{4})")


class RedactSecrets(logging.Filter):
    """Rewrites `sk-...` secrets in a record to `sk-...` + last four, whatever logged them."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "sk-" in message:
            record.msg, record.args = _SECRET.sub(r"sk-...\1", message), None
        return True


def init_app(app: Flask) -> None:
    root = logging.getLogger()
    if not any(isinstance(f, RedactSecrets) for h in root.handlers for f in h.filters):
        if not root.handlers:
            handler = logging.StreamHandler()
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
            root.addHandler(handler)
        for handler in root.handlers:
            handler.addFilter(RedactSecrets())
    level = os.environ.get("LOG_LEVEL")
    if level:
        root.setLevel(level.upper())
    elif root.level == logging.WARNING:
        root.setLevel(logging.INFO)
