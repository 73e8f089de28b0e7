"""Stage 5: send the request to one of the model's deployments, failing over on connect errors."""

from __future__ import annotations

from flask import Response

from ..errors import UpstreamError, UpstreamTimeout
from ..usage import Meter
from . import clientside, mock, multipart
from .intent import RequestIntent, ask_for_usage
from .relay import json_response, stream_response
from .router import Target
from .upstream import ConnectFailed, UpstreamClient


def forward(intent: RequestIntent, targets: list[Target], client: UpstreamClient, meter: Meter) -> Response:
    """Try `targets` in order; the first that accepts a connection answers."""
    params = clientside.prepare(intent, targets)  # 400 before any deployment is tried
    intent, hide_usage = ask_for_usage(intent)
    failures: list[ConnectFailed] = []
    for target in targets:
        d = target.deployment
        meter.deployment = d
        if d.mock_response is not None:
            return mock.respond(intent, d.mock_response, meter, hide_usage)
        timeout = d.stream_timeout if intent.stream else d.timeout
        call = multipart.call(intent, target) if intent.content_type else params.call(intent, target)
        try:
            resp = client.send(call.url, call.body, call.headers, timeout, intent.stream)
        except ConnectFailed as exc:
            failures.append(exc)
            continue
        return stream_response(resp, meter, hide_usage) if intent.stream else json_response(resp, meter)
    n = len(failures)
    if failures and all(f.timed_out for f in failures):
        raise UpstreamTimeout(
            f"Connecting to the upstream for {intent.model!r} timed out ({n} deployment(s) tried)."
        )
    raise UpstreamError(f"The upstream for {intent.model!r} is unreachable ({n} deployment(s) tried).")
