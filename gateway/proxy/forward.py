"""Stage 5: send the request to one of the model's deployments, failing over on connect errors."""

from __future__ import annotations

from flask import Response

from ..errors import UpstreamError, UpstreamTimeout
from . import clientside, mock
from .intent import RequestIntent
from .relay import json_response, stream_response
from .router import Target
from .upstream import ConnectFailed, UpstreamClient


def forward(intent: RequestIntent, targets: list[Target], client: UpstreamClient) -> Response:
    """Try `targets` in order; the first that accepts a connection answers."""
    params = clientside.prepare(intent, targets)  # 400 before any deployment is tried
    failures: list[ConnectFailed] = []
    for target in targets:
        d = target.deployment
        if d.mock_response is not None:
            return mock.respond(intent, d.mock_response)
        timeout = d.stream_timeout if intent.stream else d.timeout
        call = params.call(intent, target)
        try:
            resp = client.send(call.url, call.body, call.headers, timeout, intent.stream)
        except ConnectFailed as exc:
            failures.append(exc)
            continue
        return stream_response(resp) if intent.stream else json_response(resp)
    n = len(failures)
    if failures and all(f.timed_out for f in failures):
        raise UpstreamTimeout(
            f"Connecting to the upstream for {intent.model!r} timed out ({n} deployment(s) tried)."
        )
    raise UpstreamError(f"The upstream for {intent.model!r} is unreachable ({n} deployment(s) tried).")
