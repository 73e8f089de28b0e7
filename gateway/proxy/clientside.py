"""Client-side credentials (API.md §8): which credential fields a client may put in the body, and the
call they turn into — used for that call only, never mixed with the configured key."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

import orjson

from ..errors import BadRequest
from ..settings import ClientsideAuth
from ..values import RequestIntent
from .router import Target, upstream_headers, upstream_url

CLIENT_PARAMS = ("api_key", "api_base", "api_version")
# Routing or config a client may never send: LiteLLM lets `model_list` replace the whole config.
FORBIDDEN = ("model_list", "base_url", "user_config")
METADATA = ("metadata", "litellm_metadata")
MAX_URL = 2048
_KEY = re.compile(r"[\x21-\x7e]{1,4096}")  # printable ASCII: it becomes a header value
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")  # it becomes a query value
_HOST = re.compile(r"[a-z0-9.-]+|[0-9a-f:.]+")  # DNS name, IPv4, or IPv6 (urlsplit drops the [])


@dataclass(frozen=True, slots=True)
class Call:
    """What one upstream call sends."""

    url: str
    headers: dict[str, str] = field(repr=False)
    body: bytes = field(repr=False)


def refuse_forbidden(body: Mapping[str, Any]) -> None:
    """400 for routing/config fields in the body or credentials hidden in its metadata, before routing."""
    for name in FORBIDDEN:
        if name in body:
            raise BadRequest(f"`{name}` may not be sent in the request body.", param=name)
    for container in METADATA:
        meta = body.get(container)
        if isinstance(meta, Mapping):
            for name in (*CLIENT_PARAMS, *FORBIDDEN):
                if name in meta:
                    where = f"{container}.{name}"
                    raise BadRequest(f"`{where}` may not be sent in the request body.", param=where)


def safe_url(url: str) -> bool:
    """An absolute http(s) URL with a plain host: no user info, query, fragment or dot segments."""
    if len(url) > MAX_URL or not (url.isascii() and url.isprintable()) or any(c in " \\@?#" for c in url):
        return False
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return False
    if not _HOST.fullmatch(parts.hostname):
        return False
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return False
    # Percent-decoded too: `%2e%2e` is `..` to many servers.
    return not any(segment in (".", "..") for segment in unquote(parts.path).split("/"))


def _permits(rules: ClientsideAuth, name: str) -> bool:
    """Whether a deployment lets a client set `name` at all."""
    return name in rules.names or (name == "api_base" and bool(rules.api_base_patterns))


def _allows_base(rules: ClientsideAuth, url: str) -> bool:
    """A plain "api_base" entry allows any (safe) URL; a regex entry only URLs it matches in full."""
    return "api_base" in rules.names or any(p.fullmatch(url) for p in rules.api_base_patterns)


def _value(intent: RequestIntent, name: str, targets: list[Target]) -> str:
    """The client's value for `name`, if every candidate deployment allows it (so failover never
    changes what the client's parameters mean); 400 naming the field otherwise."""
    model = intent.model
    if not all(_permits(t.deployment.clientside, name) for t in targets):
        raise BadRequest(f"`{name}` may not be set by the client for model {model!r}.", param=name)
    value = intent.body[name]
    if name == "api_key" and not (isinstance(value, str) and _KEY.fullmatch(value)):
        raise BadRequest("`api_key` must be a non-empty string of printable characters.", param=name)
    if name == "api_version" and not (isinstance(value, str) and _VERSION.fullmatch(value)):
        raise BadRequest("`api_version` must look like 2024-06-01.", param=name)
    if name == "api_base":
        if not (isinstance(value, str) and safe_url(value)):
            raise BadRequest(
                "`api_base` must be an http(s) URL with a host, and no user info, query or dot segments.",
                param=name,
            )
        if not all(_allows_base(t.deployment.clientside, value) for t in targets):
            raise BadRequest(f"`api_base` is not an allowed URL for model {model!r}.", param=name)
        value = value.rstrip("/")
    return value


@dataclass(frozen=True, slots=True)
class ClientParams:
    """The client's credentials for this request, and the body without them."""

    api_key: str | None = field(default=None, repr=False)
    api_base: str | None = None
    api_version: str | None = None
    present: bool = False  # the client sent some: they are taken out of the body sent upstream

    def call(self, intent: RequestIntent, target: Target) -> Call:
        """The call of `intent` (the client's, or its translation: anthropic_translate/) to `target`."""
        d = target.deployment
        model = d.upstream_model
        if not self.present:
            # The original bytes when nothing in them changes; re-encoded only to rename the model.
            body = intent.raw if model == intent.model else orjson.dumps({**intent.body, "model": model})
            return Call(target.url(intent.op), target.headers, body)
        kept = {k: v for k, v in intent.body.items() if k not in CLIENT_PARAMS}
        body = orjson.dumps({**kept, "model": model})
        version = self.api_version if self.api_version and d.provider == "azure" else d.api_version
        url = upstream_url(d, intent.op, self.api_base or d.api_base, version)
        if self.api_key is None and self.api_base is None:
            return Call(url, target.headers, body)
        # The client's key or none at all: the configured key never travels with a client's
        # api_base, and the configured organization belongs with the configured key.
        return Call(url, upstream_headers(d, self.api_key, None), body)


NONE = ClientParams()


def prepare(intent: RequestIntent, targets: list[Target]) -> ClientParams:
    """Validate the client's credential fields against every candidate; 400 naming a refused one."""
    present = [name for name in CLIENT_PARAMS if name in intent.body]
    if not present:
        return NONE
    values = {name: _value(intent, name, targets) for name in present}
    return ClientParams(present=True, **values)
