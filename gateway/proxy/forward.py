"""Stage 5: send the request to one of the model's deployments, failing over on connect errors."""

from __future__ import annotations

from dataclasses import replace

from flask import Response

from ..errors import UpstreamError, UpstreamTimeout
from ..usage import Meter
from ..values import RequestIntent
from . import anthropic_translate, clientside, mock, multipart
from .intent import ask_for_usage
from .redact import Redactor
from .relay import json_response, stream_response
from .router import Target
from .upstream import ConnectFailed, UpstreamClient

CLIENT_BASE_UNREACHABLE = "The upstream at the client's api_base could not be reached."


def forward(
    intent: RequestIntent, targets: list[Target], client: UpstreamClient, redactor: Redactor, meter: Meter
) -> Response:
    """Try `targets` in order; the first that accepts a connection answers."""
    params = clientside.prepare(intent, targets)  # 400 before any deployment is tried
    intent, hide_usage = ask_for_usage(intent)
    failures: list[ConnectFailed] = []
    chosen = params.api_base is not None
    for target in targets:
        d = target.deployment
        meter.deployment = d
        if anthropic_translate.estimated(intent, target):
            return anthropic_translate.count.respond(intent, meter)
        if d.mock_response is not None:
            return mock.respond(intent, d.mock_response, meter, hide_usage)
        # The Messages API and chat completions, each passed through or translated to the other.
        sent, exchange = anthropic_translate.plan(intent, target, hide_usage)
        call = multipart.call(intent, target) if intent.content_type else params.call(sent, target)
        if sent.headers and d.provider == "anthropic":  # anthropic-version, anthropic-beta
            call = replace(call, headers={**call.headers, **dict(sent.headers)})
        try:
            resp = client.send(
                call.url, call.body, call.headers, d.timeout, intent.stream, d.stream_timeout, chosen,
                model=d.model_name,
            )  # fmt: skip
        except (ConnectFailed, UpstreamError) as exc:
            if chosen:
                # One answer for a refused address, a closed port, a silent or non-HTTP one: the
                # client learns nothing about what sits behind an address (the log says which).
                raise UpstreamError(CLIENT_BASE_UNREACHABLE) from None
            if isinstance(exc, UpstreamError):
                raise
            failures.append(exc)
            continue
        if intent.stream:
            return stream_response(resp, meter, hide_usage, redactor, params.api_key, exchange)
        return json_response(resp, meter, redactor, params.api_key, exchange)
    n = len(failures)
    if failures and all(f.timed_out for f in failures):
        raise UpstreamTimeout(
            f"Connecting to the upstream for {intent.model!r} timed out ({n} deployment(s) tried)."
        )
    raise UpstreamError(f"The upstream for {intent.model!r} is unreachable ({n} deployment(s) tried).")
