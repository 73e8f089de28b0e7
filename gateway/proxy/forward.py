"""Stage 5: send the request to one of the model's deployments, failing over on connect errors."""

from __future__ import annotations

import orjson
from flask import Response

from ..errors import UpstreamError, UpstreamTimeout
from . import mock
from .intent import RequestIntent
from .relay import json_response, stream_response
from .router import Target
from .upstream import ConnectFailed, UpstreamClient


def _body(intent: RequestIntent, target: Target) -> bytes:
    """The original bytes when nothing in them changes; re-encoded only to rename the model."""
    upstream_model = target.deployment.upstream_model
    if upstream_model == intent.model:
        return intent.raw
    return orjson.dumps({**intent.body, "model": upstream_model})


def forward(intent: RequestIntent, targets: list[Target], client: UpstreamClient) -> Response:
    """Try `targets` in order; the first that accepts a connection answers."""
    failures: list[ConnectFailed] = []
    for target in targets:
        d = target.deployment
        if d.mock_response is not None:
            return mock.respond(intent, d.mock_response)
        timeout = d.stream_timeout if intent.stream else d.timeout
        try:
            resp = client.send(
                target.url(intent.op), _body(intent, target), target.headers, timeout, intent.stream
            )
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
