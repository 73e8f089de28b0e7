"""The virtual-key link: hash → key cache → the key's Principal (expired or blocked: authz refuses)."""

from __future__ import annotations

import time

from flask import Request

from ..keycache import KeyCache
from ..values import LLM_ONLY, Credential, KeyRecord, Principal


def principal_of(record: KeyRecord, credential: Credential) -> Principal:
    """A key acts with its owner's role (an LLM-only key without one), and its own models, routes
    and limits."""
    return Principal(
        method="virtual_key",
        role=record.user_role or LLM_ONLY,
        subject=record.key_alias or record.key_name,
        key_hash=record.token,
        key_name=credential.masked,  # the key as presented (an old key in its grace period too)
        user_id=record.user_id,
        team_id=record.team_id,
        models=record.models,
        allowed_routes=record.allowed_routes,
        limits=record.limits,
        expires=record.expires,
        blocked=record.blocked,
        team_blocked=record.team_blocked,
        organization_id=record.organization_id,
        scopes=record.scopes,
        aliases=record.aliases,
        model_limits=record.model_limits,
        allowed_ips=record.allowed_ips,
    )


class VirtualKeyAuthenticator:
    name = "virtual_key"

    def __init__(self, keycache: KeyCache) -> None:
        self.keycache = keycache

    def authenticate(self, credential: Credential | None, request: Request) -> Principal | None:
        if credential is None or not credential.value.startswith("sk-"):
            return None  # virtual keys always start with sk-: nothing else is worth a lookup
        record = self.keycache.lookup(credential.hash)
        if record is None:
            return None
        if record.grace_until is not None and time.time() >= record.grace_until:
            return None  # an old key past its grace period is simply unknown
        return principal_of(record, credential)
