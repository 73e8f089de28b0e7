"""The gateway's app factory: a table of contents of the request path, one init_app per stage."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from . import (
    admin,
    body,
    cli,
    client,
    database,
    errors,
    extensions,
    health,
    jobs,
    logs,
    openapi,
    scrape,
    stages,
    ui,
)
from .config import ValidConfig, validate_config
from .settings import Settings

log = logging.getLogger(__name__)


def _validated(config: Mapping[str, Any]) -> ValidConfig:
    """The one check `gateway.entry --check` makes too; tests may hand in ready Settings."""
    return validate_config(
        path=config.get("CONFIG_FILE_PATH") or os.environ.get("CONFIG_FILE_PATH") or None,
        raw=config.get("GATEWAY_CONFIG"),
        environ=config.get("GATEWAY_ENV"),
        settings=config.get("GATEWAY_SETTINGS"),
    )


REPORTED = "GATEWAY_CONFIG_REPORTED"


def report_ignored(settings: Settings) -> None:
    """Once per start: the LiteLLM settings ignored and the config's warnings (a weak master key).
    Skipped when a parent process (`gateway run`, gunicorn's config check) already made it."""
    if os.environ.get(REPORTED):
        return
    if settings.ignored:
        log.warning(
            "%s: ignoring LiteLLM settings this gateway does not implement: %s",
            settings.source,
            ", ".join(settings.ignored),
        )
    for warning in settings.warnings:
        log.warning("WARNING: %s", warning)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the WSGI app. `config` overrides Flask config; tests pass GATEWAY_CONFIG/GATEWAY_ENV."""
    config = dict(config or {})
    instance_path = config.pop("INSTANCE_PATH", None) or os.environ.get("GATEWAY_INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_path=os.path.abspath(instance_path) if instance_path else None,
        static_folder=None,  # an API serves no files: no undocumented /static route
    )
    valid = _validated(config)
    settings = valid.settings
    app.config.update(config)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    app.config.setdefault("BODY_TIMEOUT", valid.body_timeout)
    if config.pop("QUIET_START", False):  # the flask CLI: a command is not a start
        os.environ[REPORTED] = "1"
    report_ignored(settings)

    logs.init_app(app)
    errors.init_app(app)
    body.init_app(app)
    extensions.init_app(app, settings)  # the database, Redis
    schema = database.init_app(app, settings)  # migrated, or checked
    # The request path's stages, in path order, each handed its dependencies (stages.py).
    app.extensions["gateway"] = stages.build(app, settings, valid.custom_auth, schema)
    client.init_app(app)  # the OpenAI endpoints: guard → intent → admit → forward under a meter
    admin.init_app(app)  # /key/*, /model/info, /spend/logs, /usage/daily behind the same guard
    scrape.init_app(app)  # GET /metrics, and the request counter
    health.init_app(app)
    jobs.init_app(app)
    openapi.init_app(app)
    ui.init_app(app)  # the admin web UI at /ui: the same services and route table, a session login
    cli.init_app(app)
    # The start report is made (above, and JWT's in auth): what this process starts next
    # (gunicorn workers after `gateway run`, Celery's pool) does not repeat it.
    os.environ[REPORTED] = "1"
    return app
