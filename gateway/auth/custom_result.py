"""Custom auth, step 2: what the function returned (a dict or a principal-like object) → a Principal."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from ..values import INTERNAL_USER, ROLES, Limits, Principal

# Fields a result may carry. A dict with any other key is refused, so a typo such as
# `model` for `models` can never widen what the caller may do.
FIELDS = (
    "user_id",
    "team_id",
    "role",
    "models",
    "allowed_routes",
    "metadata",
    "max_budget",
    "spend",
    "rpm_limit",
    "tpm_limit",
    "max_parallel_requests",
    # LiteLLM's key row says so: refused here rather than ignored, as a key would be.
    "blocked",
    "expires",
)
# Accepted and ignored: the caller's own key is never copied into a Principal.
IGNORED = frozenset({"api_key", "token"})
# LiteLLM's UserAPIKeyAuth calls the role `user_role`.
ALIASES = {"user_role": "role"}
# Results that cannot be principal-like objects, however many attributes they have.
_NOT_OBJECTS = (str, bytes, bytearray, int, float, bool, list, tuple, set, frozenset)


class InvalidPrincipal(Exception):
    """The function allowed the caller but its result cannot be read; str() names the field."""


def _fields_of_dict(result: Mapping[Any, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key, value in result.items():
        if key in IGNORED:
            continue
        name = ALIASES.get(key, key)
        if name not in FIELDS:
            raise InvalidPrincipal(f"{key} (unknown field)")
        if name in fields and fields[name] != value:
            raise InvalidPrincipal(f"{key} (conflicts with {name})")
        fields[name] = value
    return fields


def _fields_of_object(result: object) -> dict[str, Any]:
    fields = {name: getattr(result, name, None) for name in FIELDS}
    alias = getattr(result, "user_role", None)
    if alias is not None:
        if fields["role"] is not None and fields["role"] != alias:
            raise InvalidPrincipal("user_role (conflicts with role)")
        fields["role"] = alias
    return fields


def _optional_str(fields: dict[str, Any], name: str) -> str | None:
    value = fields.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise InvalidPrincipal(f"{name} (must be a non-empty string)")
    return value


def _strings(fields: dict[str, Any], name: str) -> tuple[str, ...]:
    value = fields.get(name)
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
        raise InvalidPrincipal(f"{name} (must be a list of strings)")
    if not all(isinstance(v, str) and v for v in value):
        raise InvalidPrincipal(f"{name} (must be a list of strings)")
    return tuple(value)


def _role(fields: dict[str, Any]) -> str:
    role = fields.get("role")
    if isinstance(role, Enum):  # LiteLLM's LitellmUserRoles is a str Enum
        role = role.value
    if role is None:
        return INTERNAL_USER  # never admin unless the function says so
    if role not in ROLES:
        raise InvalidPrincipal(f"role (must be one of {', '.join(ROLES)})")
    return role


def _number(fields: dict[str, Any], name: str, integer: bool) -> Any:
    value = fields.get(name)
    if value is None:
        return None
    kinds = int if integer else int | float
    if isinstance(value, bool) or not isinstance(value, kinds) or value < 0:
        raise InvalidPrincipal(f"{name} (must be a number >= 0)")
    return value


def _expires(fields: dict[str, Any]) -> float | None:
    value = fields.get("expires")
    if value is None:
        return None
    if isinstance(value, str):  # LiteLLM keeps an ISO 8601 string or a datetime
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidPrincipal("expires (must be an ISO 8601 time or a datetime)") from None
    if not isinstance(value, datetime):
        raise InvalidPrincipal("expires (must be an ISO 8601 time or a datetime)")
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


def _blocked(fields: dict[str, Any]) -> bool:
    blocked = fields.get("blocked")
    if blocked is not None and not isinstance(blocked, bool):
        raise InvalidPrincipal("blocked (must be true or false)")
    return bool(blocked)


def to_principal(result: object) -> Principal:
    """The Principal for an accepted caller (method "custom"); InvalidPrincipal if unreadable,
    a result that says the key is blocked or expired carries it, for authz to refuse."""
    if isinstance(result, Mapping):
        fields = _fields_of_dict(result)
    elif isinstance(result, _NOT_OBJECTS):
        raise InvalidPrincipal(f"result (a dict or a principal-like object, not {type(result).__name__})")
    else:
        fields = _fields_of_object(result)
    metadata = fields.get("metadata")
    if metadata is None:
        metadata = {}
    elif not isinstance(metadata, Mapping):
        raise InvalidPrincipal("metadata (must be a mapping)")
    blocked, expires = _blocked(fields), _expires(fields)
    user_id = _optional_str(fields, "user_id")
    limits = Limits(
        max_budget=_number(fields, "max_budget", integer=False),
        spend=_number(fields, "spend", integer=False) or 0.0,
        rpm_limit=_number(fields, "rpm_limit", integer=True),
        tpm_limit=_number(fields, "tpm_limit", integer=True),
        max_parallel_requests=_number(fields, "max_parallel_requests", integer=True),
    )
    return Principal(
        method="custom",
        role=_role(fields),
        subject=user_id or "custom",
        user_id=user_id,
        team_id=_optional_str(fields, "team_id"),
        models=_strings(fields, "models"),
        allowed_routes=_strings(fields, "allowed_routes"),
        limits=limits,
        metadata=dict(metadata),
        expires=expires,
        blocked=blocked,
    )
