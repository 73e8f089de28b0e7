"""The chain's links for this config, in API.md §4's order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import redis
from flask import Flask

from ..extensions import db
from ..keycache import KeyCache
from ..settings import ConfigError, Settings
from . import Authenticator
from .custom import CustomAuthenticator, load_custom_auth
from .jwt import JwksStore, build_jwt_link
from .master import MasterKeyAuthenticator, bootstrap_hash
from .virtual_key import VirtualKeyAuthenticator


def build_links(
    app: Flask,
    settings: Settings,
    client: redis.Redis | None,
    keycache: KeyCache,
    custom_auth: Callable[..., Any] | None,
    schema: str,
) -> tuple[list[Authenticator], JwksStore | None]:
    """The links, and the JWT link's key store (None without JWT auth) for the refresh job.
    `custom_auth`: the function validate_config imported (a file beside the config runs once)."""
    links: list[Authenticator] = []
    # Loaded first, so a bad custom_auth or JWT setting stops start-up before anything is written
    # (or a master key generated and printed).
    if settings.custom_auth and settings.custom_auth_mode != "off":
        function = custom_auth or load_custom_auth(settings)
        links.append(CustomAuthenticator(function, settings.custom_auth_mode))
    jwt_link = build_jwt_link(settings, client, keycache) if settings.enable_jwt_auth else None
    if settings.master_key or schema == "ok":
        with app.app_context():
            master_hash = bootstrap_hash(settings)
            db.session.remove()
    elif schema == "missing":
        master_hash = ""  # the CLI before the first `flask db upgrade`: it serves no requests
    else:
        raise ConfigError(
            settings.source,
            "general_settings.master_key",
            "none configured, and the database that holds the generated one is unreachable",
        )
    links.append(MasterKeyAuthenticator(master_hash))
    if jwt_link is not None:
        links.append(jwt_link)
    links.append(VirtualKeyAuthenticator(keycache))
    return links, jwt_link.store if jwt_link is not None else None
