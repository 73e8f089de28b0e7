"""A config section checked by a pydantic model, its first error as the one line ConfigError.

Every model of the config (general.py, litellm.py, model_list.py) is checked here, so an
error reads the same wherever it is: the file, the dotted key (`model_list[0].litellm_params
.timeout`), the rule (the description of the field, or of the item type, that failed) and, for
a scalar that may be shown, the value given.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Collection, Mapping
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails, PydanticCustomError

from .errors import ConfigError

M = TypeVar("M", bound=BaseModel)

# As strict as the /key/* bodies (gateway/validation.py), with no import of it here: the
# settings come first on the path. `model_` prefixes are LiteLLM's names (model_name, model_info).
STRICT = ConfigDict(extra="forbid", strict=True, hide_input_in_errors=True, protected_namespaces=())

REASON = "config_reason"  # a check's own words: shown as they are, no value appended
MAPPING = frozenset({"model_type", "model_attributes_type", "dict_type"})


def reason(message: str, at: str | None = None) -> PydanticCustomError:
    """A check's own words; `at`: the field it is about, when a model's validator raises it."""
    return PydanticCustomError(REASON, message, {"at": at} if at else None)


def _alternatives(annotation: Any) -> list[Any]:
    """`X | None`, `Annotated[X, ...]` → the X's."""
    if typing.get_origin(annotation) is Annotated:
        return _alternatives(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [a for arg in typing.get_args(annotation) for a in _alternatives(arg)]
    return [] if annotation is type(None) else [annotation]


def _described(annotation: Any) -> str | None:
    """The description an `Annotated[..., Field(description=...)]` carries, looked for through `| None`."""
    if typing.get_origin(annotation) is Annotated:
        for meta in annotation.__metadata__:
            if isinstance(meta, FieldInfo) and meta.description:
                return meta.description
        return _described(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            if (found := _described(arg)) is not None:
                return found
    return None


def _child(node: Any, part: int | str) -> tuple[Any, bool] | None:
    """The type of `part` of a value typed `node`, and whether it is a model's field (whose rule
    replaces its parent's) rather than an item or a mapping's value (which inherits it)."""
    annotation = node.annotation if isinstance(node, FieldInfo) else node
    for arg in _alternatives(annotation):
        origin, args = typing.get_origin(arg), typing.get_args(arg)
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            if (field := arg.model_fields.get(str(part))) is not None:
                return field, True
        elif origin in (list, tuple) and args and isinstance(part, int):
            return args[0], False
        elif origin in (dict, Mapping) and len(args) == 2:
            return args[1], False
    return None


def rule(model: type[BaseModel], loc: tuple[int | str, ...]) -> str | None:
    """The rule the value at `loc` broke: the innermost description along it."""
    found: str | None = None
    node: Any = model
    for part in loc:
        child = _child(node, part)
        if child is None:
            break
        node, is_field = child
        own = node.description if isinstance(node, FieldInfo) else None
        own = own or _described(node.annotation if isinstance(node, FieldInfo) else node)
        found = own if is_field else (own or found)
    return found


def dotted(section: str, loc: Collection[int | str]) -> str:
    """`section` and `loc` as the config's key: `model_list[0].litellm_params.model`."""
    key = section
    for part in loc:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key


def config_error(
    source: str,
    section: str,
    model: type[BaseModel],
    error: ErrorDetails,
    unknown: str = "unknown setting",
    no_echo: Collection[str] = (),
) -> ConfigError:
    """One line naming the file and the dotted key, worded like the rest of the config errors."""
    loc = error["loc"]
    kind = error["type"]
    if kind == REASON:
        at = (error.get("ctx") or {}).get("at")
        return ConfigError(source, dotted(section, [*loc, at] if at else loc), error["msg"])
    key = dotted(section, loc)
    if kind == "extra_forbidden":
        return ConfigError(source, key, unknown)
    why = rule(model, loc)
    if why is None:
        why = "must be a mapping" if kind in MAPPING else error["msg"][:1].lower() + error["msg"][1:]
    value = error.get("input")
    scalar = isinstance(value, str | int | float | bool) or value is None  # never a mapping's content
    if scalar and kind != "missing" and not set(map(str, loc)) & set(no_echo):
        why += f", got {value!r}"
    return ConfigError(source, key, why)


def parse_section(
    model: type[M],
    data: Any,
    source: str,
    section: str,
    *,
    unknown: str = "unknown setting",
    no_echo: Collection[str] = (),
    context: Mapping[str, Any] | None = None,
) -> M:
    """`data` as `model`, or the ConfigError of its first error. `no_echo`: fields whose value is
    never shown (a password, a credential); `context`: what the model's validators read."""
    try:
        return model.model_validate(data, context=dict(context or {}))
    except ValidationError as exc:
        raise config_error(
            source, section, model, exc.errors(include_url=False)[0], unknown, no_echo
        ) from None
