"""The master key: configured, or generated on first start with only its hash kept."""

from __future__ import annotations

import hmac
import secrets
import sys

from flask import Request
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import GatewayMeta
from ..settings import Settings
from ..values import MASTER, Credential, Principal, hash_secret

META_NAME = "master_key_hash"


def bootstrap_hash(settings: Settings) -> str:
    """The master key's SHA-256; with none configured, make one and print it once."""
    if settings.master_key:
        return hash_secret(settings.master_key)
    row = db.session.get(GatewayMeta, META_NAME)
    if row is not None:
        return row.value
    plaintext = "sk-" + secrets.token_urlsafe(32)
    digest = hash_secret(plaintext)
    db.session.add(GatewayMeta(name=META_NAME, value=digest))
    try:
        db.session.commit()
    except IntegrityError:  # another process won the race: use its key
        db.session.rollback()
        return db.session.get(GatewayMeta, META_NAME).value
    # Printed, never logged: this is the only time the plaintext exists.
    print(
        "\n  No master key configured: generated one. It is shown only this once; store it now.\n"
        f"  Master key: {plaintext}\n"
        "  (set LITELLM_MASTER_KEY or general_settings.master_key to choose your own)\n",
        file=sys.stderr,
        flush=True,
    )
    return digest


class MasterKeyAuthenticator:
    """Compares the presented key's hash with the master key's, in constant time."""

    name = "master_key"

    def __init__(self, master_hash: str) -> None:
        self._hash = master_hash.encode()

    def authenticate(self, credential: Credential | None, request: Request) -> Principal | None:
        if (
            credential is not None
            and self._hash
            and hmac.compare_digest(credential.hash.encode(), self._hash)
        ):
            return MASTER
        return None
