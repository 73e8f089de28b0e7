"""The request path's stages as objects, built once per app in path order, each handed what it needs.

`build` is the only place that knows how the stages fit together: a stage receives its
dependencies in its constructor and never looks another up. The app keeps the result under one
name (`app.extensions["gateway"]`); blueprints, jobs and the CLI reach a stage through `stages()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis
from flask import Flask, current_app

from .auth import AuthChain
from .auth.jwt import JwksStore
from .auth.links import build_links
from .authz import ModelAccess
from .authz.limits import Admitter
from .extensions import get_redis
from .headers import CredentialReader
from .headers.address import AddressReader
from .keycache import KeyCache
from .proxy import Proxy
from .settings import Settings
from .usage import Usage


@dataclass(frozen=True, slots=True)
class Stages:
    settings: Settings
    redis: redis.Redis | None
    credentials: CredentialReader  # 1. which header holds the key
    addresses: AddressReader  # 1. the client's address (forwarding headers of trusted proxies)
    keycache: KeyCache  # 3. L1 → L2 → database (used by auth's virtual-key link)
    auth: AuthChain  # 2. the chain → Principal
    jwks: JwksStore | None  # the JWT link's key sets (refreshed by a job)
    access: ModelAccess  # 4. which models a request may use (every level's models, aliases)
    limits: Admitter  # 4. rate, in-flight and budget admission (route and model: authz functions)
    proxy: Proxy  # 5. deployments, the upstream call, the relay
    usage: Usage  # 6. meters and the usage queue
    schema: str  # "ok" | "missing" | "unreachable": the database schema when the app started


def build(app: Flask, settings: Settings, custom_auth: Callable[..., Any] | None, schema: str) -> Stages:
    """Every stage, in path order, each given its dependencies (`database.init_app` has run)."""
    client = get_redis(app)
    credentials = CredentialReader(settings.key_header_name)
    keycache = KeyCache(app, settings, client)
    links, jwks = build_links(app, settings, client, keycache, custom_auth, schema)
    return Stages(
        settings=settings,
        redis=client,
        credentials=credentials,
        addresses=AddressReader(settings.trusted_proxies),
        keycache=keycache,
        auth=AuthChain(links),
        jwks=jwks,
        access=ModelAccess(settings.deployments),
        limits=Admitter(settings, client),
        proxy=Proxy(settings, credentials.read),
        usage=Usage(client),
        schema=schema,
    )


def stages(app: Flask | None = None) -> Stages:
    """The stages of `app` (default: the current app)."""
    return (app or current_app).extensions["gateway"]
