"""The chain's links for this config, in API.md §4's order."""

from __future__ import annotations

from flask import Flask

from ..extensions import db
from . import Authenticator
from .jwt import build_jwt_link
from .master import MasterKeyAuthenticator, bootstrap_hash


def build_links(app: Flask) -> list[Authenticator]:
    settings = app.extensions["gateway.settings"]
    # Built first: a JWT config error stops start-up before a master key is generated and printed.
    jwt_link = build_jwt_link(app) if settings.enable_jwt_auth else None
    with app.app_context():
        master_hash = bootstrap_hash(settings)
        db.session.remove()
    links: list[Authenticator] = [MasterKeyAuthenticator(master_hash)]
    if jwt_link is not None:
        links.append(jwt_link)
    return links
