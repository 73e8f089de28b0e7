"""Who is logged in to the UI: a signed session cookie (HttpOnly, SameSite=Lax, Secure behind
HTTPS, a lifetime checked on the signature's timestamp), and the Principal it stands for."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any

from flask import Flask, Request, g, request, session
from flask.sessions import SecureCookieSessionInterface

from ..auth.master import bootstrap_hash
from ..errors import AuthError
from ..extensions import db
from ..models import User
from ..stages import stages
from ..values import MASTER, PROXY_ADMIN, Principal

COOKIE = "gateway_ui"


class UiSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, Secure whenever the request came over HTTPS (gunicorn sets the
    scheme from a trusted proxy's X-Forwarded-Proto: FORWARDED_ALLOW_IPS) or PROXY_BASE_URL is
    https; only /ui ever reads or writes it."""

    def get_cookie_secure(self, app: Flask) -> bool:
        base = app.config.get("UI_BASE_URL") or ""
        return bool(request.is_secure or base.startswith("https://"))

    def open_session(self, app: Flask, request: Request) -> Any:
        if not request.path.startswith("/ui"):
            return self.session_class()  # an API call: no cookie read, nothing saved
        return super().open_session(app, request)

    def get_signing_serializer(self, app: Flask) -> Any:
        if not app.secret_key:  # on the first UI request: start-up (and the CLI) reads no secret
            app.secret_key = _secret(app)
        return super().get_signing_serializer(app)


def _secret(app: Flask) -> str:
    """UI_SESSION_SECRET, else one derived from the master key (its hash when only that is kept,
    read where the master-key link reads it) and the UI password: a new master key or password
    logs every session out."""
    ui = stages(app).settings.ui
    if ui.session_secret:
        return ui.session_secret
    master = bootstrap_hash(stages(app).settings)
    password = hashlib.sha256(f"{ui.username}:{ui.password}".encode()).hexdigest() if ui.password else ""
    material = f"gateway-ui-session-v1:{password}".encode()
    return hmac.new(master.encode(), material, hashlib.sha256).hexdigest()


def init_session(app: Flask) -> None:
    ui = stages(app).settings.ui
    app.session_interface = UiSessionInterface()
    app.config.update(
        SESSION_COOKIE_NAME=COOKIE,
        SESSION_COOKIE_PATH="/ui",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=ui.session_lifetime,
        UI_BASE_URL=ui.base_url,
    )


def log_in(principal: Principal, **extra: Any) -> None:
    """A fresh session (a new CSRF token too: nothing from before the login survives)."""
    session.clear()
    session.permanent = True
    session.update(
        m=principal.method,
        r=principal.role,
        s=principal.subject,
        u=principal.user_id,
        t=int(time.time()),
        csrf=secrets.token_urlsafe(32),
        **extra,
    )


def log_out() -> None:
    session.clear()


def _sso_principal() -> Principal | None:
    """An SSO session stands for a user row: gone or blocked since the login, the session ends;
    its role is the row's unless the IdP (PROXY_ADMIN_ID, a role claim) gave one."""
    user_id = session.get("u")
    user = db.session.get(User, user_id) if isinstance(user_id, str) and user_id else None
    if user is None or user.blocked:
        return None
    role = session.get("idp_role") or user.user_role
    return Principal(method="sso", role=role, subject=session["s"], user_id=user.user_id)


def current() -> Principal | None:
    """The logged-in Principal of this request, or None."""
    if "principal" in g:
        return g.principal
    method = session.get("m")
    principal: Principal | None = None
    if method == "master_key":
        principal = MASTER
    elif method == "ui_password":
        principal = Principal(method="ui_password", role=PROXY_ADMIN, subject=session["s"])
    elif method == "sso":
        principal = _sso_principal()
        if principal is None:
            log_out()
    g.principal = principal
    return principal


def require_login() -> Principal:
    principal = current()
    if principal is None:
        raise AuthError("Log in first.", reason="ui_login")
    return principal
