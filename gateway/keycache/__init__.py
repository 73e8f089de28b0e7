"""Stage 3: the key cache. `KeyCache.lookup(hash)`: L1 memory → L2 Redis → database."""

from __future__ import annotations

from .cache import KeyCache

__all__ = ["KeyCache"]
