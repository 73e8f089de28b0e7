"""Logging in and out of the UI: the master key, UI_USERNAME/UI_PASSWORD, or single sign-on
(sso.py), each making a fresh session; every page needs one (errors go back to the login)."""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import urlsplit

from flask import Response, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from ..auth.master import bootstrap_hash
from ..errors import BadRequest, GatewayError, MethodNotAllowed, NotFound, PayloadTooLarge, error_response
from ..stages import stages
from ..values import MASTER, PROXY_ADMIN, Principal, hash_secret
from . import bp, throttle
from .session import current, log_in, log_out


def safe_next(target: str | None) -> str:
    """Only a path of the UI itself: an open redirect would send a fresh login elsewhere."""
    if target and target.startswith("/ui/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("ui.keys_page")


def _check_login(form: Any) -> Principal | None:
    ui = stages().settings.ui
    key = form.get("master_key", "")
    if key:
        master = bootstrap_hash(stages().settings)
        if hmac.compare_digest(hash_secret(key).encode(), master.encode()):
            return MASTER
        return None
    username, password = form.get("username", ""), form.get("password", "")
    if ui.username and ui.password and username and password:
        ok_user = hmac.compare_digest(username.encode(), ui.username.encode())
        ok_pass = hmac.compare_digest(password.encode(), ui.password.encode())
        if ok_user and ok_pass:
            return Principal(method="ui_password", role=PROXY_ADMIN, subject=username)
    return None


def _login_page(error: str | None = None, status: int = 200) -> tuple[str, int]:
    ui = stages().settings.ui
    page = render_template(
        "login.html",
        error=error,
        password_login=bool(ui.username),
        sso=ui.sso is not None,
        next=request.values.get("next", ""),
    )
    return page, status


@bp.get("/")
def home() -> Response:
    return redirect(url_for("ui.keys_page" if current() else "ui.login_page"))


@bp.get("/login")
def login_page() -> Any:
    return _login_page()


@bp.post("/login")
def login_submit() -> Any:
    throttle.check()
    principal = _check_login(request.form)
    if principal is None:
        throttle.failed()
        return _login_page("Wrong master key, username or password.", 401)
    target = safe_next(request.form.get("next"))
    log_in(principal)
    return redirect(target)


@bp.post("/logout")
def logout() -> Response:
    log_out()
    return redirect(url_for("ui.login_page"))


def _wants_html() -> bool:
    """A browser asks for HTML; anything else (curl, a script) gets the API's JSON envelope."""
    return request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"


@bp.errorhandler(GatewayError)
def _gateway_error(exc: GatewayError) -> Any:
    """A browser gets a page with the same status and message; an API client the envelope."""
    if exc.reason == "ui_login" and request.method == "GET":
        return redirect(url_for("ui.login_page", next=request.full_path.rstrip("?")))
    if not _wants_html():
        return error_response(exc)
    error_response(exc)  # counted like the API's refusals
    return render_template("error.html", error=exc, principal=current()), exc.status, exc.headers


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Any:
    code = exc.code or 500
    kind = {400: BadRequest, 404: NotFound, 405: MethodNotAllowed, 413: PayloadTooLarge}.get(
        code, GatewayError
    )
    return _gateway_error(kind(exc.description or exc.name, status=code))
