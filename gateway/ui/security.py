"""The UI's browser protections: a strict Content-Security-Policy (no inline script or style at
all), no framing, no caching of pages (a key is shown once), and a CSRF token on every form."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from flask import Response, request, session

from ..errors import BadRequest
from . import bp
from .permit import may
from .session import current

CSP = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def csrf_token() -> str:
    """This session's token (made on first use: the login form carries one too)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


@bp.before_request
def check_csrf() -> None:
    """Every state-changing request carries the session's token in its form: a page on another
    site cannot read it, so cannot forge the request (SameSite=Lax is the second wall). And no
    text the UI hands on holds a NUL (PostgreSQL refuses it with an error, not an answer)."""
    texts = {**(request.view_args or {}), **request.form}
    for name, text in texts.items():
        if "\x00" in str(text):
            raise BadRequest(f"`{name}` may not contain NUL characters.", param=name)
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    expected = session.get("csrf")
    given = request.form.get("csrf_token", "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        raise BadRequest("The form's CSRF token is missing or wrong: reload the page.", param="csrf_token")


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers.update(HEADERS)
    if not request.path.startswith("/ui/static/"):
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.context_processor
def _template_names() -> dict[str, Any]:
    """What every page may use: the CSRF token, who is logged in, and `may(route)` (permit.py)."""
    return {"csrf_token": csrf_token, "principal": current(), "may": lambda route: may(current(), route)}
