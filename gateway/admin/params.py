"""The query parameters of the admin GET routes as models: what each route takes, its bounds.

A model's fields are the parameters the route accepts (any other is refused, query.py), its
types check and convert the strings of the query, and the OpenAPI document publishes the
same models (openapi/paths.py), so the bounds published and the bounds enforced are one.
Each field's description is its rule: the 400 says it (`page` must be ...) and the document
shows it.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field

from ..keys.checks import MAX_TEXT, KeyId, Text
from ..validation import STRICT

PAGE_MAX = 1_000_000
SIZE_MAX = 100


def _whole(high: int) -> BeforeValidator:
    """ASCII digits only (isdigit() also takes `²`, which int() refuses, and `٣`, which it reads
    as 3), and no more of them than `high` has, so int() never meets a 5,000-digit string. Any
    other value stays a string, which the strict int type refuses with the field's rule."""

    def digits(raw: Any) -> Any:
        if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= len(str(high)):
            return int(raw)
        return raw

    return BeforeValidator(digits)


def whole(low: int, high: int) -> Any:
    """A whole number from `low` to `high`, given as digits."""
    rule = f"must be a whole number from {low} to {high}"
    return Annotated[int, Field(ge=low, le=high, description=rule), _whole(high)]


def _flag(raw: Any) -> Any:
    return {"true": True, "false": False}.get(raw.lower(), raw) if isinstance(raw, str) else raw


def _day(raw: Any) -> Any:
    try:
        return date.fromisoformat(raw) if isinstance(raw, str) else raw
    except ValueError:
        return raw


# Absent is None; a query cannot send a null, so the document leaves it out (openapi/paths.py).
Page = whole(1, PAGE_MAX)
Size = whole(1, SIZE_MAX)
QueryFlag = Annotated[bool, BeforeValidator(_flag), Field(description="must be true or false")]
Day = Annotated[date | None, BeforeValidator(_day), Field(description="must be a date like 2026-01-31")]
QueryText = Annotated[
    Text | None, Field(description=f"must be a non-empty string of at most {MAX_TEXT} characters (no NUL)")
]
QueryKey = Annotated[
    KeyId | None, Field(description="must be a key (sk-...) or its SHA-256 hash (64 hex digits)")
]


class KeyInfoQuery(BaseModel):
    """GET /key/info: a key (default: the caller's own)."""

    model_config = STRICT

    key: QueryKey = None


class KeyListQuery(BaseModel):
    """GET /key/list. The text filters take the checks of the fields they filter on (a NUL would
    reach PostgreSQL as a 500)."""

    model_config = STRICT

    page: Page = 1
    size: Size = 10
    user_id: QueryText = None
    team_id: QueryText = None
    key_alias: QueryText = None
    return_full_object: QueryFlag = False


class SpendLogsQuery(BaseModel):
    """GET /spend/logs: filters, and with both dates one entry per day."""

    model_config = STRICT

    request_id: QueryText = None
    api_key: QueryKey = None
    user_id: QueryText = None
    team_id: QueryText = None
    end_user: QueryText = None  # the customer
    start_date: Day = None
    end_date: Day = None


class UsageDailyQuery(BaseModel):
    """GET /usage/daily: one key (default: every key for an admin, else the caller's), a range of days."""

    model_config = STRICT

    key: QueryKey = None
    start: Day = None
    end: Day = None
    group_by: Annotated[
        Literal["team_id", "user_id", "organization_id", "end_user"] | None,
        Field(description="must be one of team_id, user_id, organization_id, end_user"),
    ] = None
