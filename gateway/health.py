"""Public health probes: liveliness (the process answers) and readiness (DB and Redis answer)."""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response, current_app
from sqlalchemy import text

from .errors import ServiceUnavailable
from .extensions import db, get_redis
from .stages import stages

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


@bp.get("/health/liveliness")
@bp.get("/health/liveness")
def liveliness() -> Response:
    return current_app.json.response({"status": "alive"})


@bp.get("/health/readiness")
def readiness() -> Response:
    failed = []
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means "not ready"
        log.warning("readiness: database: %s", type(exc).__name__)
        failed.append("database")
    finally:
        db.session.remove()
    client = get_redis(current_app)
    if client is not None:
        try:
            client.ping()
        except Exception as exc:
            log.warning("readiness: redis: %s", type(exc).__name__)
            failed.append("redis")
    if failed:
        raise ServiceUnavailable(f"Not ready: {', '.join(failed)} unavailable.")
    return current_app.json.response(
        {
            "status": "ready",
            "database": "connected",
            "redis": "connected" if client else "not configured",
            # What an operator should fix though it serves (a weak master key): no secret in them.
            "warnings": list(stages().settings.warnings),
        }
    )


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
