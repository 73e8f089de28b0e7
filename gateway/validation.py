"""Request bodies checked by pydantic models; a ValidationError becomes the gateway's one 400."""

from __future__ import annotations

import ipaddress
from collections.abc import Collection, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

from .errors import BadRequest

M = TypeVar("M", bound=BaseModel)

# Strict: LiteLLM's clients send JSON, so "5" is not a number and true is not 1. Unknown fields
# are refused (a typo must not pass silently). `model_` prefixes are LiteLLM's field names here.
STRICT = ConfigDict(extra="forbid", strict=True, protected_namespaces=(), hide_input_in_errors=True)

REASON = "gateway_reason"  # a custom error whose message is the reason, worded for the client
WHOLE = "gateway_whole"  # a custom error whose message is the whole client message


def reason(message: str) -> PydanticCustomError:
    """An error raised by a field's own check: `Invalid `name`: <message>.`"""
    return PydanticCustomError(REASON, message)


def refusal(message: str) -> PydanticCustomError:
    """An error whose message already says everything (a refused field)."""
    return PydanticCustomError(WHOLE, message)


def _lower(msg: str) -> str:
    return msg[:1].lower() + msg[1:]


def bad_request(model: type[BaseModel], error: ErrorDetails, elsewhere: Collection[str] = ()) -> BadRequest:
    """The first error as the client reads it: the top-level field as `param`; the reason is the
    check's own words, else the field's description (the rule the OpenAPI document publishes)."""
    loc = error["loc"]
    name = str(loc[0]) if loc else None
    kind = error["type"]
    if kind == WHOLE:
        return BadRequest(error["msg"], param=name)
    if len(loc) == 1 and kind == "extra_forbidden":
        if name in elsewhere:  # e.g. key_type, a generate-only field
            return BadRequest(f"Field `{name}` is not accepted by this operation.", param=name)
        return BadRequest(f"Unknown field `{name}`.", param=name)
    if len(loc) == 1 and kind == "missing":
        return BadRequest(f"`{name}` is required.", param=name)
    field = model.model_fields.get(name or "")
    if kind == REASON:
        why = error["msg"]
    elif field is not None and field.description:
        why = field.description
    else:
        why = _lower(error["msg"])
    if len(loc) > 1:  # where inside the value, and what is wrong there
        at = ".".join(str(p).replace("\x00", "\\0") for p in loc[1:])  # a NUL shown, not sent
        why += f" (at `{at}`)" if kind == REASON else f" (at `{at}`: {_lower(error['msg'])})"
    return BadRequest(f"Invalid `{name}`: {why}.", param=name)


def given(value: Any) -> Any:
    """A parsed value as plain data, with only the fields the client gave (null included).
    Walked here rather than by model_dump: its serializer does not follow a callable
    discriminator's choice and warns about the union (keys/shapes.py ModelBudget)."""
    if isinstance(value, BaseModel):
        return {name: given(getattr(value, name)) for name in value.model_fields_set}
    if isinstance(value, dict):
        return {k: given(v) for k, v in value.items()}
    if isinstance(value, list):
        return [given(v) for v in value]
    return value


def parse(model: type[M], body: Mapping[str, Any], elsewhere: Collection[str] = ()) -> M:
    """`body` as `model`, or a BadRequest for its first error. `elsewhere`: fields other
    operations accept, refused here with a message saying so rather than "unknown"."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise bad_request(model, exc.errors(include_url=False)[0], elsewhere) from None


def normalize_cidr(entry: str) -> str:
    """An address or a CIDR (IPv4 or IPv6) as one canonical network string: `10.0.0.1` is
    `10.0.0.1/32`. ValueError, worded for the client, for anything else; host bits set
    (`10.0.0.1/8`) are refused rather than silently widened to the network."""
    if entry != entry.strip() or not entry:
        raise ValueError(f"{entry!r} is not an IP address or CIDR")
    try:
        return str(ipaddress.ip_network(entry, strict=True))
    except ValueError:
        try:
            wide = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ValueError(f"{entry!r} is not an IP address or CIDR") from None
        raise ValueError(f"{entry!r} has host bits set; did you mean {wide}?") from None
