"""The JWT/OIDC link of the auth chain (API.md §4, §6): a bearer JWT signed by the IdP → Principal."""

from __future__ import annotations

import redis
from flask import Request

from ...settings import Settings
from ...values import Credential, Principal
from .claims import principal_from_claims
from .jwks import JwksStore
from .settings import JwtSettings, jwt_settings, warn_unchecked
from .verify import Verifier, looks_like_jwt

__all__ = ["JwksStore", "JwtAuthenticator", "JwtSettings", "build_jwt_link"]


class JwtAuthenticator:
    """Claims only credentials shaped like a JWT; anything else goes on down the chain."""

    name = "jwt"

    def __init__(self, settings: JwtSettings, store: JwksStore) -> None:
        self.settings = settings
        self.store = store
        self.verifier = Verifier(settings, store)

    def authenticate(self, credential: Credential | None, request: Request) -> Principal | None:
        if credential is None or not looks_like_jwt(credential.value):
            return None
        return principal_from_claims(self.verifier.verify(credential.value), self.settings)


def build_jwt_link(settings: Settings, client: redis.Redis | None) -> JwtAuthenticator:
    """Check the settings (ConfigError), warn about unchecked claims; keys are fetched on first use
    (and by the refresh job, through the link's `store`)."""
    jwt = jwt_settings(settings)
    warn_unchecked(jwt)
    return JwtAuthenticator(jwt, JwksStore(jwt.urls, jwt.public_key_ttl, client))
