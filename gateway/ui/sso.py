"""Single sign-on: OpenID Connect's authorization code flow with PKCE (S256), by Authlib's Flask
client, against a generic provider configured by LiteLLM's GENERIC_* variables (settings/ui.py).

The SSO user's role: PROXY_ADMIN_ID makes a proxy admin; a role claim (GENERIC_USER_ROLE_ATTRIBUTE,
its values mapped by GENERIC_USER_ROLE_MAPPINGS) sets the role and keeps the user row in step
with it; without either, the user must already be in the user table, whose role it then has.
"""

from __future__ import annotations

import logging
from typing import Any

import requests
from flask import Flask, Response, current_app, redirect, request, session, url_for

from ..admin import actor
from ..directory import users
from ..errors import AuthError, NotFound, PermissionDenied, ServiceUnavailable
from ..extensions import db
from ..models import User
from ..settings.ui import UI_ROLES, SsoSettings, UiSettings
from ..stages import stages
from ..values import MASTER, PROXY_ADMIN, PROXY_ADMIN_VIEWER, Principal
from . import bp
from .login import safe_next
from .session import log_in

log = logging.getLogger(__name__)
NAME = "generic"
TIMEOUT = 10.0  # seconds, every call to the IdP


def init_sso(app: Flask) -> None:
    sso = stages(app).settings.ui.sso
    if sso is None:
        return
    from authlib.integrations.flask_client import OAuth  # only with SSO configured: 0.5 s of imports

    oauth = OAuth(app)
    endpoints: dict[str, Any] = (
        {"server_metadata_url": sso.discovery_url}
        if sso.discovery_url
        else {
            "authorize_url": sso.authorization_endpoint,
            "access_token_url": sso.token_endpoint,
            "userinfo_endpoint": sso.userinfo_endpoint,
            "jwks_uri": sso.jwks_uri,
        }
    )
    oauth.register(
        NAME,
        client_id=sso.client_id,
        client_secret=sso.client_secret,
        client_kwargs={"scope": sso.scope, "code_challenge_method": "S256", "default_timeout": TIMEOUT},
        **endpoints,
    )
    app.extensions["ui_oauth"] = oauth


def _client() -> Any:
    oauth = current_app.extensions.get("ui_oauth")
    if oauth is None:
        raise NotFound("Single sign-on is not configured (GENERIC_CLIENT_ID).")
    return oauth.create_client(NAME)


def _redirect_uri() -> str:
    base = stages().settings.ui.base_url or request.url_root.rstrip("/")
    return base + url_for("ui.sso_callback")


@bp.get("/sso/login")
def sso_login() -> Response:
    from authlib.integrations.base_client.errors import OAuthError

    client = _client()
    session["sso_next"] = safe_next(request.args.get("next"))
    try:
        return client.authorize_redirect(_redirect_uri())
    except (requests.RequestException, OAuthError, RuntimeError) as exc:
        log.warning("SSO: the identity provider's metadata could not be read: %s", type(exc).__name__)
        raise ServiceUnavailable("The identity provider cannot be reached: try again later.") from None


def _claims(client: Any) -> dict[str, Any]:
    from authlib.integrations.base_client.errors import OAuthError

    try:
        token = client.authorize_access_token()
        claims = dict(token.get("userinfo") or {})
        if client.load_server_metadata().get("userinfo_endpoint"):
            claims.update(client.userinfo(token=token))  # roles and groups often live only here
    except OAuthError as exc:
        raise AuthError(f"Single sign-on failed: {exc.error}.", reason="sso") from None
    except requests.RequestException:
        raise ServiceUnavailable("The identity provider cannot be reached: try again later.") from None
    except Exception as exc:  # a bad ID token (signature, issuer, audience, nonce, expiry)
        log.warning("SSO: ID token refused: %s", exc)
        raise AuthError(
            "Single sign-on failed: the identity provider's answer was refused.", reason="sso"
        ) from None
    return claims


def idp_role(claims: dict[str, Any], user_id: str, ui: UiSettings, sso: SsoSettings) -> str | None:
    """The role the IdP gives: PROXY_ADMIN_ID, else the most privileged role the claim maps to."""
    if ui.admin_id and user_id == ui.admin_id:
        return PROXY_ADMIN
    if not sso.role_attribute or sso.role_attribute not in claims:
        return None
    raw = claims[sso.role_attribute]
    values = raw if isinstance(raw, list) else [raw]
    roles = {sso.role_mappings.get(str(v), str(v)) for v in values}
    return next((r for r in UI_ROLES if r in roles), None)


def _check_access(claims: dict[str, Any], ui: UiSettings) -> None:
    if ui.access_mode == "restricted_sso_group":
        groups = claims.get(ui.sso_group_field)
        groups = groups if isinstance(groups, list) else [groups]
        if ui.sso_group not in groups:
            raise PermissionDenied(
                "Your identity provider account is not in the group allowed to use the UI."
            )


def sso_principal(claims: dict[str, Any]) -> tuple[Principal, str | None]:
    """The logged-in Principal for these (already verified) claims, and the role the IdP gave."""
    ui = stages().settings.ui
    sso = ui.sso
    assert sso is not None
    user_id = claims.get(sso.user_id_attribute)
    if not isinstance(user_id, str) or not user_id:
        raise AuthError(f"The identity provider sent no `{sso.user_id_attribute}`.", reason="sso")
    _check_access(claims, ui)
    email = claims.get(sso.email_attribute) if isinstance(claims.get(sso.email_attribute), str) else None
    given = idp_role(claims, user_id, ui, sso)
    row = db.session.get(User, user_id)
    by = f"sso:{user_id}"
    if given is not None and row is None:  # the IdP vouches for the role: the user row follows it
        users.new(
            {"user_id": user_id, "user_email": email, "user_role": given, "auto_create_key": False},
            MASTER,
            by,
        )
    elif given is not None and row.user_role != given:
        users.update({"user_id": user_id, "user_role": given}, MASTER, by)
    elif row is None:
        raise PermissionDenied(f"{user_id} is not a user of the gateway: ask an admin to add you.")
    row = db.session.get(User, user_id)
    if row.blocked:
        raise PermissionDenied(f"{user_id} is blocked.")
    role = given or row.user_role
    if ui.access_mode == "admin_only" and role not in (PROXY_ADMIN, PROXY_ADMIN_VIEWER):
        raise PermissionDenied("The UI is open to admins only (ui_access_mode: admin_only).")
    return Principal(method="sso", role=role, subject=email or user_id, user_id=user_id), given


@bp.get("/sso/callback")
def sso_callback() -> Response:
    client = _client()
    target = session.get("sso_next") or url_for("ui.keys_page")
    principal, given = sso_principal(_claims(client))
    log_in(principal, idp_role=given)
    log.info("SSO login: %s as %s", actor(principal), principal.role)
    return redirect(target)
