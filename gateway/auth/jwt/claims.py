"""Claims → what the token says (API.md §6): user, teams, email, org, end user by the
`litellm_jwtauth` fields; role by the admin scope or role_mappings; the allowed email domain and roles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...errors import AuthError, PermissionDenied
from ...values import PROXY_ADMIN
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


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """What a verified token says about its caller, read by the `litellm_jwtauth` fields; the
    directory (identity.py) turns it into a Principal."""

    subject: str
    user_id: str | None
    email: str | None
    role: str | None  # from the admin scope or role_mappings; None: by team (team or internal_user)
    team_id: str | None  # team_id_jwt_field: the one team `team_id_upsert` may create
    team_ids: tuple[str, ...]  # team_id_jwt_field, then team_ids_jwt_field, in order, unique
    team_aliases: tuple[str, ...]  # team_alias_jwt_field (resolved to ids in the directory)
    org_id: str | None
    end_user_id: str | None


def _strings(claims: dict[str, Any], name: str | None) -> tuple[str, ...]:
    """A claim holding one name or a list of names (IdP groups); anything else is refused."""
    if name is None:
        return ()
    value = claim(claims, name)
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,) if value else ()
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(dict.fromkeys(v for v in value if v))
    raise AuthError(f"JWT claim {name} is not a string or a list of strings")


def _role(claims: dict[str, Any], settings: JwtSettings) -> str | None:
    if settings.admin_scope in scopes(claims, settings.scope_field):
        return PROXY_ADMIN
    if settings.roles_field is not None:
        groups = set(_strings(claims, settings.roles_field))
        for group, role in settings.role_mappings:  # the first mapping the token matches
            if group in groups:
                return role
    return None


def read_token(claims: dict[str, Any], settings: JwtSettings) -> TokenClaims:
    """The caller by the configured fields; 403 when the email domain or the IdP roles are not
    the allowed ones (LiteLLM's user_allowed_email_domain, user_roles_jwt_field + user_allowed_roles)."""
    user_id = _identifier(claims, settings.user_id_field)
    email = _identifier(claims, settings.email_field)
    if settings.email_domain is not None:
        domain = (email or "").rpartition("@")[2].lower()
        if not email or "@" not in email or domain != settings.email_domain:
            raise PermissionDenied("JWT email is not in the allowed domain.", reason="jwt_email_domain")
    roles = settings.user_roles_field
    if roles is not None and set(_strings(claims, roles)).isdisjoint(settings.user_allowed_roles):
        raise PermissionDenied("JWT roles are not among the allowed roles.", reason="jwt_role_not_allowed")
    team_id = _identifier(claims, settings.team_id_field)
    team_ids = tuple(
        dict.fromkeys([*([team_id] if team_id else []), *_strings(claims, settings.team_ids_field)])
    )
    return TokenClaims(
        subject=user_id or _identifier(claims, "sub") or "jwt",
        user_id=user_id,
        email=email,
        role=_role(claims, settings),
        team_id=team_id,
        team_ids=team_ids,
        team_aliases=_strings(claims, settings.team_alias_field),
        org_id=_identifier(claims, settings.org_id_field),
        end_user_id=_identifier(claims, settings.end_user_id_field),
    )
