"""model_list → Deployment values: provider, upstream URL base, credentials, timeouts; and the transport."""

from __future__ import annotations

import os
import re
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .errors import ConfigError
from .model_list import ModelEntry, ModelInfo
from .schema import LITELLM_PARAMS_IGNORED
from .section import parse_section

NO_ECHO = frozenset({"api_key"})  # a credential is never shown, even when it is the wrong type


@dataclass(frozen=True, slots=True)
class ClientsideAuth:
    """What a client may send in the body for one deployment (API.md §8)."""

    names: frozenset[str] = frozenset()
    api_base_patterns: tuple[re.Pattern[str], ...] = ()


@dataclass(frozen=True, slots=True)
class Deployment:
    model_name: str
    provider: str
    upstream_model: str
    api_base: str | None
    api_key: str | None = field(repr=False)
    api_version: str | None
    timeout: float
    stream_timeout: float
    mock_response: str | None
    organization: str | None
    clientside: ClientsideAuth
    model_info: Mapping[str, Any]
    input_cost_per_token: float
    output_cost_per_token: float
    id: str
    cache_creation_input_token_cost: float = 0.0  # model_info's, else the input price
    cache_read_input_token_cost: float = 0.0


def _first(*costs: float | None) -> float:
    return next((float(c) for c in costs if c is not None), 0.0)


def parse_deployment(
    entry: Any, index: int, source: str, environ: Mapping[str, str], ignored: list[str]
) -> Deployment:
    """One entry checked by its model (settings/model_list.py); LiteLLM's params the gateway does
    not act on are taken out first and reported in `ignored`."""
    where = f"model_list[{index}]"
    params = entry.get("litellm_params") if isinstance(entry, dict) else None
    if isinstance(params, dict):
        ignored.extend(f"{where}.litellm_params.{name}" for name in params if name in LITELLM_PARAMS_IGNORED)
        kept = {k: v for k, v in params.items() if k not in LITELLM_PARAMS_IGNORED}
        entry = {**entry, "litellm_params": kept}
    checked = parse_section(
        ModelEntry, entry, source, where, unknown="unknown key", no_echo=NO_ECHO, context={"environ": environ}
    )
    p, info = checked.litellm_params, checked.model_info or ModelInfo()
    clientside = p.configurable_clientside_auth_params or []
    return Deployment(
        model_name=checked.model_name,
        provider=p.provider,
        upstream_model=p.upstream_model,
        api_base=p.api_base.rstrip("/") if p.api_base else None,
        api_key=p.api_key,
        api_version=p.api_version,
        timeout=p.timeout,
        stream_timeout=p.timeout if p.stream_timeout is None else p.stream_timeout,
        mock_response=p.mock_response,
        organization=p.organization,
        clientside=ClientsideAuth(
            frozenset(e for e in clientside if isinstance(e, str)),
            tuple(e for e in clientside if isinstance(e, re.Pattern)),
        ),
        model_info=dict(entry.get("model_info") or {}),
        # litellm_params' price first, else model_info's (where LiteLLM's docs put it).
        input_cost_per_token=_first(p.input_cost_per_token, info.input_cost_per_token),
        output_cost_per_token=_first(p.output_cost_per_token, info.output_cost_per_token),
        id=info.id or f"{checked.model_name}#{index}",
        cache_creation_input_token_cost=_first(
            info.cache_creation_input_token_cost, p.input_cost_per_token, info.input_cost_per_token
        ),
        cache_read_input_token_cost=_first(
            info.cache_read_input_token_cost, p.input_cost_per_token, info.input_cost_per_token
        ),
    )


@dataclass(frozen=True, slots=True)
class Transport:
    """How upstream connections are made: certificate checks and the egress proxy (all deployments)."""

    ssl_verify: bool = True
    ca_bundle: str | None = None  # a PEM file (or a c_rehash directory) replacing the system store
    https_proxy: str | None = field(default=None, repr=False)  # may carry user:password
    http_proxy: str | None = field(default=None, repr=False)
    no_proxy: str = ""


def _env(environ: Mapping[str, str], name: str) -> str | None:
    """An environment variable by its lower-case name first, as curl and requests read them."""
    value = environ.get(name.lower()) or environ.get(name.upper())
    return value.strip() if value and value.strip() else None


def parse_transport(ssl_verify: bool | str, environ: Mapping[str, str], source: str) -> Transport:
    """litellm_settings.ssl_verify (true, false or a CA bundle path, checked by its model; SSL_VERIFY
    overrides it, as in LiteLLM), else SSL_CERT_FILE / REQUESTS_CA_BUNDLE; HTTPS_PROXY, HTTP_PROXY
    and NO_PROXY."""
    key, verify = "litellm_settings.ssl_verify", ssl_verify
    env_verify = environ.get("SSL_VERIFY")
    if env_verify is not None and env_verify.strip():
        key, word = "SSL_VERIFY", env_verify.strip()
        verify = {"true": True, "false": False}.get(word.lower(), word)
    bundle = verify if isinstance(verify, str) else None
    if verify is True:
        name = next((n for n in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE") if environ.get(n, "").strip()), None)
        if name is not None:
            key, bundle = name, environ[name].strip()
    if bundle is not None:
        try:  # read now: a wrong path fails the start, not every HTTPS call
            ssl.create_default_context(
                **({"capath": bundle} if os.path.isdir(bundle) else {"cafile": bundle})
            )
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(source, key, f"cannot load the CA bundle {bundle!r}: {exc}") from None
    proxies = {}
    for name in ("HTTPS_PROXY", "HTTP_PROXY"):
        url = _env(environ, name)
        if url is not None:
            parts = urlsplit(url if "://" in url else f"http://{url}")
            try:
                port = parts.port
            except ValueError:
                port = -1
            if parts.scheme != "http" or not parts.hostname or port == -1:
                raise ConfigError(source, name, "must be an http:// proxy URL with a host")
        proxies[name] = url
    return Transport(
        ssl_verify=verify is not False,
        ca_bundle=bundle,
        https_proxy=proxies["HTTPS_PROXY"],
        http_proxy=proxies["HTTP_PROXY"],
        no_proxy=_env(environ, "NO_PROXY") or "",
    )
