"""model_list → Deployment values: provider, upstream URL base, credentials, timeouts."""

from __future__ import annotations

import os
import re
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .errors import ConfigError
from .schema import LITELLM_PARAMS, LITELLM_PARAMS_IGNORED

# OpenAI-compatible providers and their default api_base (None: api_base is required).
OPENAI_COMPATIBLE: dict[str, str | None] = {
    "openai": "https://api.openai.com/v1",
    "text-completion-openai": "https://api.openai.com/v1",
    "custom_openai": None,
    "openai_like": None,
    "hosted_vllm": None,
    "vllm": None,
    "lm_studio": None,
    "llamafile": None,
    "xinference": None,
    "ollama": None,
    "ollama_chat": None,
    "groq": "https://api.groq.com/openai/v1",
    "deepseek": "https://api.deepseek.com/v1",
    "together_ai": "https://api.together.xyz/v1",
    "fireworks_ai": "https://api.fireworks.ai/inference/v1",
    "mistral": "https://api.mistral.ai/v1",
    "openrouter": "https://openrouter.ai/api/v1",
    "xai": "https://api.x.ai/v1",
    "perplexity": "https://api.perplexity.ai",
    "deepinfra": "https://api.deepinfra.com/v1/openai",
    # Google's OpenAI-compatible endpoint for Gemini (the key goes as a Bearer token).
    "gemini": "https://generativelanguage.googleapis.com/v1beta/openai",
}
PROVIDERS = frozenset(OPENAI_COMPATIBLE) | {"azure"}
# LiteLLM providers that speak their own protocol, not OpenAI's: refused at start-up by name.
NOT_SUPPORTED = frozenset({"anthropic", "bedrock", "vertex_ai", "vertex_ai_beta", "sagemaker", "cohere"})
# The environment variable a provider's api_key defaults to, as in LiteLLM.
KEY_ENV = {"openai": "OPENAI_API_KEY", "gemini": "GEMINI_API_KEY"}
_SUPPORTED = ", ".join(
    f"{p}/" for p in ("openai", "azure", "gemini", *sorted(set(OPENAI_COMPATIBLE) - {"openai", "gemini"}))
)
CLIENTSIDE_PARAMS = ("api_key", "api_base", "api_version")
DEFAULT_TIMEOUT = 600.0


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


def _number(value: Any, key: str, source: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(source, key, f"must be a positive number, got {value!r}")
    return float(value)


def _cost(value: Any, key: str, source: str) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(source, key, f"must be a number >= 0, got {value!r}")
    return float(value)


def _string(value: Any, key: str, source: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ConfigError(source, key, f"must be a non-empty string, got {value!r}")
    return value


def _clientside(value: Any, key: str, source: str) -> ClientsideAuth:
    if value is None:
        return ClientsideAuth()
    if not isinstance(value, list):
        raise ConfigError(source, key, "must be a list")
    names: set[str] = set()
    patterns: list[re.Pattern[str]] = []
    for i, entry in enumerate(value):
        where = f"{key}[{i}]"
        if isinstance(entry, str):
            if entry not in CLIENTSIDE_PARAMS:
                raise ConfigError(source, where, f"must be one of {', '.join(CLIENTSIDE_PARAMS)}")
            names.add(entry)
        elif isinstance(entry, dict) and list(entry) == ["api_base"]:
            regex = entry["api_base"]
            if not isinstance(regex, str) or not regex:
                raise ConfigError(source, where, "api_base must be a regex string")
            try:
                patterns.append(re.compile(regex))
            except re.error as exc:
                raise ConfigError(source, where, f"bad regex {regex!r}: {exc}") from None
        else:
            raise ConfigError(source, where, 'must be a name or {"api_base": "<regex>"}')
    return ClientsideAuth(frozenset(names), tuple(patterns))


def _split_model(model: str, key: str, source: str) -> tuple[str, str]:
    provider, sep, rest = model.partition("/")
    if not sep:
        return "openai", model
    if provider not in PROVIDERS or not rest:
        what = "is not supported" if provider in NOT_SUPPORTED else "is an unknown provider"
        raise ConfigError(source, key, f"{provider + '/'!r} in {model!r} {what} (supported: {_SUPPORTED})")
    return provider, rest


def parse_deployment(
    entry: Any, index: int, source: str, environ: Mapping[str, str], ignored: list[str]
) -> Deployment:
    where = f"model_list[{index}]"
    if not isinstance(entry, dict):
        raise ConfigError(source, where, "must be a mapping")
    unknown = set(entry) - {"model_name", "litellm_params", "model_info"}
    if unknown:
        raise ConfigError(source, f"{where}.{sorted(unknown)[0]}", "unknown key")
    model_name = entry.get("model_name")
    if not isinstance(model_name, str) or not model_name:
        raise ConfigError(source, f"{where}.model_name", "must be a non-empty string")
    params = entry.get("litellm_params")
    if not isinstance(params, dict):
        raise ConfigError(source, f"{where}.litellm_params", "must be a mapping")
    info = entry.get("model_info") or {}
    if not isinstance(info, dict):
        raise ConfigError(source, f"{where}.model_info", "must be a mapping")
    p = f"{where}.litellm_params"
    for name in params:
        if name in LITELLM_PARAMS:
            continue
        if name in LITELLM_PARAMS_IGNORED:
            ignored.append(f"{p}.{name}")
        else:
            raise ConfigError(source, f"{p}.{name}", "unknown key")
    model = params.get("model")
    if not isinstance(model, str) or not model:
        raise ConfigError(source, f"{p}.model", "must be a non-empty string like openai/gpt-4o")
    provider, upstream_model = _split_model(model, f"{p}.model", source)
    api_base = _string(params.get("api_base"), f"{p}.api_base", source)
    api_key = _string(params.get("api_key"), f"{p}.api_key", source)
    api_version = _string(params.get("api_version"), f"{p}.api_version", source)
    mock = params.get("mock_response")
    if mock is not None and not isinstance(mock, str):
        raise ConfigError(source, f"{p}.mock_response", "must be a string")
    if provider == "azure":
        api_base = api_base or environ.get("AZURE_API_BASE")
        api_key = api_key or environ.get("AZURE_API_KEY")
        api_version = api_version or environ.get("AZURE_API_VERSION")
        if mock is None and not api_base:
            raise ConfigError(source, f"{p}.api_base", "azure/ needs api_base (or AZURE_API_BASE)")
        if mock is None and not api_version:
            raise ConfigError(source, f"{p}.api_version", "azure/ needs api_version")
    else:
        api_base = api_base or OPENAI_COMPATIBLE[provider]
        if provider in KEY_ENV and api_key is None:
            api_key = environ.get(KEY_ENV[provider]) or None
        if mock is None and not api_base:
            raise ConfigError(source, f"{p}.api_base", f"{provider}/ needs api_base")
        if api_base and provider in ("ollama", "ollama_chat") and not api_base.endswith("/v1"):
            api_base = api_base.rstrip("/") + "/v1"
    if api_base and not re.match(r"^https?://[^/\s]+", api_base):
        raise ConfigError(source, f"{p}.api_base", f"must be an http(s) URL, got {api_base!r}")
    timeout = _number(params.get("timeout", DEFAULT_TIMEOUT), f"{p}.timeout", source)
    stream_timeout = _number(params.get("stream_timeout", timeout), f"{p}.stream_timeout", source)
    input_cost = params.get("input_cost_per_token", info.get("input_cost_per_token"))
    output_cost = params.get("output_cost_per_token", info.get("output_cost_per_token"))
    return Deployment(
        model_name=model_name,
        provider=provider,
        upstream_model=upstream_model,
        api_base=api_base.rstrip("/") if api_base else None,
        api_key=api_key,
        api_version=api_version,
        timeout=timeout,
        stream_timeout=stream_timeout,
        mock_response=mock,
        organization=_string(params.get("organization"), f"{p}.organization", source),
        clientside=_clientside(
            params.get("configurable_clientside_auth_params"),
            f"{p}.configurable_clientside_auth_params",
            source,
        ),
        model_info=dict(info),
        input_cost_per_token=_cost(input_cost, f"{p}.input_cost_per_token", source),
        output_cost_per_token=_cost(output_cost, f"{p}.output_cost_per_token", source),
        id=str(info.get("id") or f"{model_name}#{index}"),
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


def parse_transport(
    litellm_settings: Mapping[str, Any], environ: Mapping[str, str], source: str
) -> Transport:
    """litellm_settings.ssl_verify (true, false or a CA bundle path; SSL_VERIFY overrides it, as in
    LiteLLM), else SSL_CERT_FILE / REQUESTS_CA_BUNDLE; HTTPS_PROXY, HTTP_PROXY and NO_PROXY."""
    key = "litellm_settings.ssl_verify"
    verify: Any = litellm_settings.get("ssl_verify", True)
    env_verify = environ.get("SSL_VERIFY")
    if env_verify is not None and env_verify.strip():
        key, word = "SSL_VERIFY", env_verify.strip()
        verify = {"true": True, "false": False}.get(word.lower(), word)
    if not isinstance(verify, bool) and not (isinstance(verify, str) and verify):
        raise ConfigError(source, key, "must be true, false or the path of a CA bundle")
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
