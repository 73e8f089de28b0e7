"""Stage 6: usage. One event per proxied request, queued without delaying the response."""

from __future__ import annotations

import redis

from ..values import Principal
from .meter import Meter, OnEnd, new_request_id
from .sink import UsageSink

__all__ = ["Meter", "Usage", "UsageSink", "new_request_id"]


class Usage:
    """The stage's object: a meter per request, and the sink its event is queued in."""

    def __init__(self, client: redis.Redis | None) -> None:
        self.sink = UsageSink(client)

    def meter(self, principal: Principal, model: str, request_id: str, on_end: OnEnd | None = None) -> Meter:
        """A meter for one request; `finish` it once, however the request ends: its event is
        queued, then handed to `on_end`."""
        return Meter(self.sink, principal, model, request_id, on_end)
