"""Making keys and naming them: `sk-` + 32 URL-safe characters (192 bits) from `secrets`."""

from __future__ import annotations

import re
import secrets

from ..headers import hash_secret

_HASH = re.compile(r"[0-9a-f]{64}")


def new_key() -> str:
    return "sk-" + secrets.token_urlsafe(24)


def key_name(plaintext: str) -> str:
    """`sk-...` + the last four characters: all of a key that is ever shown again."""
    return "sk-..." + plaintext[-4:]


def to_hash(key_or_hash: str) -> str:
    """`/key/*` accepts a key or its hash; keys start with `sk-`, so the two cannot collide."""
    return key_or_hash if _HASH.fullmatch(key_or_hash) else hash_secret(key_or_hash)
