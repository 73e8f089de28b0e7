"""The admin web UI at /ui: server-rendered pages over the same services and route table as the API.

Login (master key, UI_USERNAME/UI_PASSWORD, OIDC single sign-on) makes a signed session
cookie holding who is logged in; every page and form then acts as that Principal through the
route-permission table (authz/routes.py) and the services behind /key/*, /team/*, /user/* ...
(docs/ui.md).
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint(
    "ui",
    __name__,
    url_prefix="/ui",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)


def init_app(app: Flask) -> None:
    from . import (  # noqa: F401 - registers the routes and hooks on bp
        audit,
        customers,
        jobs,
        keys,
        login,
        organizations,
        security,
        teams,
        usage,
        users,
    )
    from .session import init_session
    from .sso import init_sso

    init_session(app)
    init_sso(app)
    app.register_blueprint(bp)
