"""The value types of `/key/*` fields: strict JSON types, strings PostgreSQL can store (no NUL).

Each type's `description` is both its rule in the OpenAPI document and the reason a 400 gives
(gateway/validation.py), so what is published is what is checked.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints

from ..durations import PATTERN, DurationError, parse_duration
from ..validation import normalize_cidr, reason

MAX_TEXT = 255
MAX_INT = 2**31 - 1  # PostgreSQL's INTEGER


def storable(v: Any) -> bool:
    """No NUL character in any string, keys of objects included: PostgreSQL refuses them in text
    and JSONB, and the database's error must not become a 500."""
    if isinstance(v, str):
        return "\x00" not in v
    if isinstance(v, dict):
        return all(storable(k) and storable(x) for k, x in v.items())
    if isinstance(v, list):
        return all(storable(x) for x in v)
    return True


def no_nul(v: Any) -> Any:
    if not storable(v):
        raise reason("must not contain NUL characters")
    return v


def _unique(v: list[str] | None) -> list[str]:
    """null is an empty list; repeats are dropped, the first order kept."""
    return list(dict.fromkeys(v or ()))


def _or_empty(v: dict[str, Any] | None) -> dict[str, Any]:
    return {} if v is None else v


def _cidrs(v: list[str] | None) -> list[str] | None:
    """Canonical networks, repeats dropped; null stays null (from anywhere)."""
    if v is None:
        return None
    out = []
    for entry in v:
        try:
            out.append(normalize_cidr(entry))
        except ValueError as exc:
            raise reason(str(exc)) from None
    return list(dict.fromkeys(out))


def _duration(allow_zero: bool) -> AfterValidator:
    def check(v: str | None) -> str | None:
        if v is not None:
            try:
                parse_duration(v, allow_zero=allow_zero)
            except DurationError as exc:
                raise reason(str(exc)) from None
        return v

    return AfterValidator(check)


Name = Annotated[str, StringConstraints(min_length=1), AfterValidator(no_nul)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT), AfterValidator(no_nul)]
OptText = Annotated[
    Text | None,
    Field(description=f"must be a non-empty string of at most {MAX_TEXT} characters (no NUL) or null"),
]
Names = Annotated[
    list[Name] | None,
    AfterValidator(_unique),
    Field(description="must be a list of non-empty strings (no NUL)"),
]
# LiteLLM's optional lists (`tags`, `guardrails`...): null stays null, as LiteLLM echoes it.
OptNames = Annotated[
    list[Name] | None, Field(description="must be a list of non-empty strings (no NUL) or null")
]
Obj = Annotated[
    dict[str, Any] | None,
    AfterValidator(no_nul),
    AfterValidator(_or_empty),
    Field(description="must be a JSON object (no NUL)"),
]
OptObj = Annotated[
    dict[str, Any] | None, AfterValidator(no_nul), Field(description="must be a JSON object or null")
]
Flag = Annotated[bool, Field(description="must be true or false")]
OptFlag = Annotated[bool | None, Field(description="must be true, false or null")]
Amount = Annotated[
    float | None, Field(ge=0, allow_inf_nan=False, description="must be a number >= 0 or null")
]
Count = Annotated[int | None, Field(ge=0, le=MAX_INT, description="must be a whole number >= 0 or null")]
_RULE = "a duration such as 30d: Ns, Nm, Nh, Nd, Nw or Nmo, at most 100 years"
Duration = Annotated[
    Annotated[str, StringConstraints(pattern=PATTERN)] | None,
    _duration(allow_zero=False),
    Field(description=f"must be {_RULE}, above zero, or null"),
]
GraceDuration = Annotated[
    Annotated[str, StringConstraints(pattern=PATTERN)] | None,
    _duration(allow_zero=True),
    Field(description=f"must be {_RULE} (0s: none), or null"),
]
CustomKey = Annotated[
    Annotated[str, StringConstraints(pattern=r"^sk-[!-~]{13,253}$")] | None,
    Field(
        description="a custom key must start with `sk-` and have 16 to 256 printable ASCII characters, "
        "no spaces"
    ),
]
KeyId = Annotated[
    str,
    StringConstraints(min_length=1),
    Field(description="must be a key (sk-...) or its SHA-256 hash (64 hex digits)"),
]
Cidrs = Annotated[
    list[str] | None,
    AfterValidator(_cidrs),
    Field(description="must be a list of IPv4/IPv6 addresses or CIDRs (e.g. 10.0.0.0/8), or null"),
]
