"""The virtual-key link: hash → key cache → expired? blocked? → the key's Principal."""

from __future__ import annotations

import time

from flask import Request

from .. import keycache
from ..errors import AuthError, ExpiredKey
from ..headers import Credential
from .principal import Principal


class VirtualKeyAuthenticator:
    name = "virtual_key"

    def authenticate(self, credential: Credential | None, request: Request) -> Principal | None:
        if credential is None or not credential.value.startswith("sk-"):
            return None  # virtual keys always start with sk-: nothing else is worth a lookup
        record = keycache.lookup(credential.hash)
        if record is None:
            return None
        now = time.time()
        if record.grace_until is not None and now >= record.grace_until:
            return None  # an old key past its grace period is simply unknown
        if record.expires is not None and now >= record.expires:
            raise ExpiredKey(f"Key {credential.masked} has expired.")
        if record.blocked:
            raise AuthError(f"Key {credential.masked} is blocked.", reason="blocked_key")
        if record.team_blocked:
            raise AuthError(f"The team of key {credential.masked} is blocked.", reason="blocked_team")
        return record.principal
