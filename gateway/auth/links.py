"""The chain's links for this config, in API.md §4's order."""

from __future__ import annotations

from flask import Flask

from ..extensions import db
from . import Authenticator
from .master import MasterKeyAuthenticator, bootstrap_hash
from .virtual_key import VirtualKeyAuthenticator


def build_links(app: Flask) -> list[Authenticator]:
    settings = app.extensions["gateway.settings"]
    with app.app_context():
        master_hash = bootstrap_hash(settings)
        db.session.remove()
    return [MasterKeyAuthenticator(master_hash), VirtualKeyAuthenticator()]
