"""The JWT/OIDC link of the auth chain (API.md §4, §6): a bearer JWT signed by the IdP → Principal."""

from __future__ import annotations

import redis
from flask import Request

from ...keycache import KeyCache
from ...settings import Settings
from ...values import PROXY_ADMIN, Credential, Principal
from .caller import TEAM_HEADER, principal_for
from .claims import read_token
from .directory import Directory
from .jwks import JwksStore
from .settings import JwtSettings, jwt_settings, warn_unchecked
from .verify import Verifier, looks_like_jwt

__all__ = ["TEAM_HEADER", "JwksStore", "JwtAuthenticator", "JwtSettings", "build_jwt_link"]


class JwtAuthenticator:
    """Claims only credentials shaped like a JWT; anything else goes on down the chain."""

    name = "jwt"

    def __init__(self, settings: JwtSettings, store: JwksStore, directory: Directory) -> None:
        self.settings = settings
        self.store = store
        self.verifier = Verifier(settings, store)
        self.directory = directory

    def authenticate(self, credential: Credential | None, request: Request) -> Principal | None:
        if credential is None or not looks_like_jwt(credential.value):
            return None
        token = read_token(self.verifier.verify(credential.value), self.settings)
        if token.role == PROXY_ADMIN:
            return principal_for(token, None, None, self.settings)  # every model: no directory needed
        identity = self.directory.identity(token, actor=f"jwt:{token.subject}")
        return principal_for(token, identity, request.headers.get(TEAM_HEADER) or None, self.settings)


def build_jwt_link(settings: Settings, client: redis.Redis | None, keycache: KeyCache) -> JwtAuthenticator:
    """Check the settings (ConfigError), warn about unchecked claims; keys are fetched on first use
    (and by the refresh job, through the link's `store`)."""
    jwt = jwt_settings(settings)
    warn_unchecked(jwt)
    return JwtAuthenticator(jwt, JwksStore(jwt.urls, jwt.public_key_ttl, client), Directory(jwt, keycache))
