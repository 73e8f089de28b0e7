"""GET /openapi.json: an OpenAPI 3.1 document of every route, built once per app from its settings.

Public, like LiteLLM's: it describes the API, never the configuration (no model names, no keys).
"""

from __future__ import annotations

from typing import Any

import orjson
from flask import Blueprint, Flask, Response, current_app

from ..headers import header_table
from ..stages import stages
from .directory import COMPONENTS as USER_TEAM_COMPONENTS
from .directory_paths import DIRECTORY_COMPONENTS
from .paths import paths
from .schemas import COMPONENTS

bp = Blueprint("openapi", __name__)

VERSION = "0.1.0"


def _security_schemes(custom_header: str | None) -> dict[str, Any]:
    """One scheme per header the key may travel in (API.md §3), the configured one first."""
    schemes: dict[str, Any] = {"bearer": {"type": "http", "scheme": "bearer", "description": "Authorization"}}
    for _, header, mode in header_table(custom_header):
        if header != "Authorization":
            described = "raw or `Bearer <key>`" if mode == "optional" else "the raw key"
            schemes[header] = {"type": "apiKey", "in": "header", "name": header, "description": described}
    return schemes


def document(app: Flask) -> dict[str, Any]:
    settings = stages(app).settings
    schemes = _security_schemes(settings.key_header_name)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "LLM API gateway",
            "version": VERSION,
            "description": "OpenAI-compatible endpoints behind virtual keys, JWT, custom auth and a master "
            "key; LiteLLM Proxy's /key/* API. Errors: {error: {message, type, param, code}}.",
        },
        "servers": [{"url": "/"}],
        "security": [{name: []} for name in schemes],  # any one of them
        "paths": paths(settings.metrics_require_auth),
        "components": {
            "schemas": {**COMPONENTS, **USER_TEAM_COMPONENTS, **DIRECTORY_COMPONENTS},
            "securitySchemes": schemes,
        },
    }


@bp.get("/openapi.json")
def openapi_json() -> Response:
    return Response(current_app.extensions["gateway.openapi"], mimetype="application/json")


def init_app(app: Flask) -> None:
    app.extensions["gateway.openapi"] = orjson.dumps(document(app))
    app.register_blueprint(bp)
