"""Stage 3: the key cache. `lookup(hash)`: L1 memory → L2 Redis → database; `invalidate` after writes."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, current_app

from .cache import KeyCache
from .record import KeyRecord

__all__ = ["KeyCache", "KeyRecord", "init_app", "invalidate", "lookup"]


def lookup(token: str) -> KeyRecord | None:
    """The key record for a SHA-256 hash, or None for an unknown key (503 if nothing can answer)."""
    return current_app.extensions["gateway.keycache"].lookup(token)


def invalidate(tokens: Iterable[str], created: Iterable[str] = ()) -> None:
    """Called after a key mutation commits, with every hash whose record changed."""
    current_app.extensions["gateway.keycache"].invalidate(list(tokens), frozenset(created))


def init_app(app: Flask) -> None:
    app.extensions["gateway.keycache"] = KeyCache(app)
