"""The configured master key: where it came from (config key or environment variable), and whether
it is weak. LiteLLM's tutorials all use `sk-1234`, so a weak key is accepted, with a loud warning."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .errors import ConfigError

CONFIG_KEY = "general_settings.master_key"
ENV_VAR = "LITELLM_MASTER_KEY"
# Below this many characters a key is guessable (16 random URL-safe characters are ~96 bits);
# the gateway's own generated keys have 46.
STRONG_LENGTH = 16
_ENV_REF = re.compile(r"^os\.environ/([A-Za-z_][A-Za-z0-9_]*)$")


def master_key_source(raw_general: Mapping[str, Any], env: Mapping[str, str]) -> str | None:
    """Where the master key is read from, as an operator would write it: `general_settings.master_key`,
    `general_settings.master_key (os.environ/NAME)`, or `LITELLM_MASTER_KEY`; None when unset."""
    value = raw_general.get("master_key")
    if value not in (None, ""):
        m = _ENV_REF.match(value) if isinstance(value, str) else None
        return f"{CONFIG_KEY} (os.environ/{m.group(1)})" if m else CONFIG_KEY
    return ENV_VAR if env.get(ENV_VAR) else None


def read_master_key(
    raw_general: Mapping[str, Any], general: Mapping[str, Any], env: Mapping[str, str], source: str
) -> tuple[str | None, str | None, tuple[str, ...]]:
    """(master key, where it came from, warnings). A non-string is an error naming its source."""
    where = master_key_source(raw_general, env)
    if where is None:
        return None, None, ()
    value = general.get("master_key") if where != ENV_VAR else env[ENV_VAR]
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(source, where, "must be a non-empty string")
    if len(value) >= STRONG_LENGTH:
        return value, where, ()
    warning = (
        f"the master key ({where}) is weak: shorter than {STRONG_LENGTH} characters, so it can be "
        "guessed, and it grants proxy admin. Use a long random one, e.g. "
        "python -c \"import secrets; print('sk-' + secrets.token_urlsafe(32))\""
    )
    return value, where, (warning,)
