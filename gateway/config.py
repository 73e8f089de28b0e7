"""The one check of a configuration, shared by start-up (`create_app`) and `gateway.entry --check`."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .auth.custom import load_custom_auth
from .auth.jwt.settings import jwt_settings
from .body import body_timeout
from .jobs.registry import JOBS
from .settings import ConfigError, Settings, load_settings


@dataclass(frozen=True)
class ValidConfig:
    """A configuration checked in full, with what checking it produced (so nothing runs twice)."""

    settings: Settings
    body_timeout: float
    custom_auth: Callable[..., Any] | None  # the configured function, imported once


def _job_names(settings: Settings) -> None:
    """job_schedule names the jobs of the registry (the settings check the seconds; they import
    no stage, so the names are checked here, by the composition root)."""
    for name in settings.job_schedule:
        if name not in JOBS:
            raise ConfigError(
                settings.source,
                f"general_settings.job_schedule.{name}",
                f"unknown job (known: {', '.join(JOBS)})",
            )


def validate_config(
    path: str | None = None,
    raw: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    settings: Settings | None = None,
) -> ValidConfig:
    """Everything a start checks before it needs a database: the config file and environment,
    the job names, the body timeout, the JWT settings, the custom auth function. A ConfigError
    (one line naming the file and the key) on the first bad value; nothing is reported here
    (report_ignored)."""
    if settings is None:
        settings = load_settings(path=path, raw=raw, environ=environ)
    _job_names(settings)
    # GATEWAY_BODY_TIMEOUT is read from the process environment, as the body reader does.
    timeout = body_timeout(dict(os.environ))
    custom = None
    if settings.custom_auth and settings.custom_auth_mode != "off":
        custom = load_custom_auth(settings)
    if settings.enable_jwt_auth:
        jwt_settings(settings)
    return ValidConfig(settings, timeout, custom)
