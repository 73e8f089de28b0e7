"""Stage 3: the key cache. `lookup(hash)` answers from the layers; `invalidate` after mutations."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask

from . import store
from .record import KeyRecord

__all__ = ["KeyRecord", "init_app", "invalidate", "lookup"]


def lookup(token: str) -> KeyRecord | None:
    """The key record for a SHA-256 hash, or None for an unknown key."""
    return store.load(token)


def invalidate(tokens: Iterable[str]) -> None:
    """Called after a key mutation commits, with every hash whose record changed."""


def init_app(app: Flask) -> None:
    pass
