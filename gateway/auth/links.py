"""The chain's links for this config, in API.md §4's order."""

from __future__ import annotations

from flask import Flask

from ..extensions import db
from ..settings import ConfigError
from . import Authenticator
from .custom import CustomAuthenticator, load_custom_auth
from .jwt import build_jwt_link
from .master import MasterKeyAuthenticator, bootstrap_hash
from .virtual_key import VirtualKeyAuthenticator


def build_links(app: Flask) -> list[Authenticator]:
    settings = app.extensions["gateway.settings"]
    links: list[Authenticator] = []
    # Loaded first, so a bad custom_auth or JWT setting stops start-up before anything is written
    # (or a master key generated and printed).
    if settings.custom_auth and settings.custom_auth_mode != "off":
        # Imported by validate_config in create_app: a file beside the config runs once.
        function = app.extensions.get("gateway.custom_auth") or load_custom_auth(settings)
        links.append(CustomAuthenticator(function, settings.custom_auth_mode))
    jwt_link = build_jwt_link(app) if settings.enable_jwt_auth else None
    schema = app.extensions.get("gateway.schema", "ok")
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
    links.append(VirtualKeyAuthenticator())
    return links
