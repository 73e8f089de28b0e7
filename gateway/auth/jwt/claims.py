"""Claims → Principal (API.md §6): user, team and email by the `litellm_jwtauth` fields, role by scope."""

from __future__ import annotations

from typing import Any

from ...errors import AuthError
from ...values import INTERNAL_USER, PROXY_ADMIN, TEAM, Principal
from .settings import SCOPE_CLAIM, JwtSettings


def claim(claims: dict[str, Any], name: str) -> Any:
    """A claim by name, or by a dotted path into nested objects (Keycloak's `realm_access.roles`)."""
    if name in claims:
        return claims[name]
    value: Any = claims
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _identifier(claims: dict[str, Any], name: str | None) -> str | None:
    if name is None:
        return None
    value = claim(claims, name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        # Refused rather than ignored: dropping a team claim would widen the caller's routes.
        raise AuthError(f"JWT claim {name} is not a string")
    return str(value)


def _space_delimited(value: str) -> set[str]:
    # RFC 6749 §3.3: separated by U+0020 only; a tab is part of a (malformed) token, not a separator.
    return {token for token in value.split(" ") if token}


def scopes(claims: dict[str, Any], field: str = SCOPE_CLAIM) -> set[str]:
    """The token's scopes, from the one claim `scope_jwt_field` names (default `scope`).

    `scope` is read as RFC 6749 §3.3 (and RFC 8693 §4.2) define it: a JSON string of space-delimited
    tokens; a list or any other type carries no scope. Another claim (Azure AD's or Okta's `scp`) is
    read only when configured, as its IdP sends it: a space-delimited string or a list of strings.
    """
    value = claim(claims, field)
    if isinstance(value, str):
        return _space_delimited(value)
    if field != SCOPE_CLAIM and isinstance(value, list):
        return {v for v in value if isinstance(v, str) and v}
    return set()


def principal_from_claims(claims: dict[str, Any], settings: JwtSettings) -> Principal:
    """The admin scope wins; then a team claim makes a team principal; else an internal user."""
    user_id = _identifier(claims, settings.user_id_field)
    team_id = _identifier(claims, settings.team_id_field)
    email = _identifier(claims, settings.email_field)
    subject = user_id or _identifier(claims, "sub") or "jwt"
    common: dict[str, Any] = {
        "method": "jwt",
        "subject": subject,
        "user_id": user_id,
        "team_id": team_id,
        "metadata": {"email": email} if email else {},
    }
    if settings.admin_scope in scopes(claims, settings.scope_field):
        return Principal(role=PROXY_ADMIN, **common)
    if team_id is not None:
        return Principal(
            role=TEAM, models=settings.allowed_models, allowed_routes=settings.team_allowed_routes, **common
        )
    return Principal(role=INTERNAL_USER, models=settings.allowed_models, **common)
