"""Stage 6: usage. One event per proxied request, queued without delaying the response."""

from __future__ import annotations

from flask import Flask, current_app

from ..auth.principal import Principal
from ..extensions import get_redis
from .event import UsageEvent
from .meter import Finisher, Meter
from .sink import UsageSink

__all__ = ["Meter", "UsageEvent", "UsageSink", "add_finisher", "init_app", "start"]


def start(principal: Principal, model: str) -> Meter:
    """A meter for this request; `finish` it once, however the request ends."""
    ext = current_app.extensions
    return Meter(ext["gateway.usage"], principal, model, ext["gateway.usage.finishers"])


def add_finisher(app: Flask, finisher: Finisher) -> None:
    """Something else that must run when a request ends (limits release their slots here)."""
    app.extensions["gateway.usage.finishers"] += (finisher,)


def init_app(app: Flask) -> None:
    app.extensions["gateway.usage"] = UsageSink(get_redis(app))
    app.extensions["gateway.usage.finishers"] = ()
