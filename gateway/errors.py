"""Typed errors raised where they happen, rendered once: API.md §9's envelope, or Anthropic's on the
Messages API routes (docs/anthropic.md), picked by the request's path."""

from __future__ import annotations

import logging

import orjson
from flask import Flask, Response, has_request_context, request
from werkzeug.exceptions import HTTPException

from .metrics.registry import count_auth_failure

log = logging.getLogger(__name__)


class GatewayError(Exception):
    """Base of every error a client may see; `status` and `type` pick the table row, `reason`
    (a short fixed word, never client input) says why for the metrics."""

    status: int = 500
    type: str = "internal_error"

    def __init__(
        self,
        message: str,
        *,
        param: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        if status is not None:
            self.status = status
        self.headers = headers or {}
        self.reason = reason


class BadRequest(GatewayError):
    status, type = 400, "invalid_request_error"


class AuthError(GatewayError):
    status, type = 401, "auth_error"


class ExpiredKey(GatewayError):
    status, type = 401, "expired_key"


class PermissionDenied(GatewayError):
    status, type = 403, "permission_denied"


class NotFound(GatewayError):
    status, type = 404, "not_found"


class MethodNotAllowed(GatewayError):
    status, type = 405, "invalid_request_error"


class RequestTimeout(GatewayError):
    status, type = 408, "invalid_request_error"


class PayloadTooLarge(GatewayError):
    status, type = 413, "invalid_request_error"


class RateLimited(GatewayError):
    status, type = 429, "rate_limit_error"


class BudgetExceeded(GatewayError):
    status, type = 429, "budget_exceeded"


class UpstreamError(GatewayError):
    status, type = 502, "upstream_error"


class UpstreamTimeout(UpstreamError):
    status = 504


class ServiceUnavailable(GatewayError):
    status, type = 503, "service_unavailable"


def envelope(message: str, type_: str, status: int, param: str | None = None) -> bytes:
    """The one error body of the gateway, as bytes."""
    return orjson.dumps({"error": {"message": message, "type": type_, "param": param, "code": str(status)}})


# Anthropic's error types by status (its API reference, "Errors"); any other status takes the
# type of its class (4xx: invalid_request_error, 5xx: api_error).
ANTHROPIC_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}


def anthropic_type(status: int) -> str:
    return ANTHROPIC_TYPES.get(status) or ("invalid_request_error" if status < 500 else "api_error")


def anthropic_envelope(message: str, status: int) -> bytes:
    """Anthropic's error body: `{"type": "error", "error": {"type", "message"}}`."""
    return orjson.dumps({"type": "error", "error": {"type": anthropic_type(status), "message": message}})


# The Messages API's routes, whose errors are Anthropic's envelope. Exactly these: any other
# spelling (`/v1/messages/`, `/v1/messages/batches`) is no route, the gateway's 404 like any other.
ANTHROPIC_PATHS = frozenset(
    {"/v1/messages", "/messages", "/v1/messages/count_tokens", "/messages/count_tokens"}
)


def is_anthropic_path(path: str) -> bool:
    return path in ANTHROPIC_PATHS


def error_response(exc: GatewayError) -> Response:
    if exc.status in (401, 403):
        count_auth_failure(exc.reason or exc.type)
    # PATH_INFO as sent: `//v1/messages` (request.path `/v1/messages`) is no route of this API.
    if has_request_context() and is_anthropic_path(request.environ.get("PATH_INFO", "")):
        body = anthropic_envelope(exc.message, exc.status)
    else:
        body = envelope(exc.message, exc.type, exc.status, exc.param)
    resp = Response(body, status=exc.status, mimetype="application/json")
    for name, value in exc.headers.items():
        resp.headers[name] = value
    return resp


_HTTP_TYPES = {
    400: BadRequest,
    401: AuthError,
    403: PermissionDenied,
    404: NotFound,
    405: MethodNotAllowed,
    413: PayloadTooLarge,
}


def _from_http(exc: HTTPException) -> Response:
    code = exc.code or 500
    cls = _HTTP_TYPES.get(code)
    if code == 413:
        err: GatewayError = PayloadTooLarge("Request body is larger than the gateway accepts.")
    elif code == 404:
        # Most often a LiteLLM route this gateway does not implement: say where the list is (the
        # path is not echoed: a mistyped /key/<key>/... route would carry a key).
        err = NotFound("Route not found: not an endpoint of this gateway (GET /openapi.json lists them).")
    elif code == 405:
        err = MethodNotAllowed("Method not allowed for this route.")
    elif cls is not None:
        err = cls(exc.description or exc.name)
    else:
        err = GatewayError(exc.description or exc.name, status=code)
        err.type = "invalid_request_error" if code < 500 else "internal_error"
    resp = error_response(err)
    if code == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
        resp.headers["Allow"] = ", ".join(exc.valid_methods)
    return resp


def _unexpected(exc: Exception) -> Response:
    log.exception("unhandled error")
    return error_response(GatewayError("Internal server error."))


def _one_spelling() -> None:
    # Werkzeug strips leading slashes before routing, so `//key/generate` would be served as
    # `/key/generate`: a proxy's rule on `/key/` would not see it. One spelling per route.
    if request.environ.get("PATH_INFO", "").startswith("//"):
        raise NotFound("Route not found.")


def init_app(app: Flask) -> None:
    """Every error leaves the app as JSON in one envelope; never an HTML page."""
    # Werkzeug answers `/key//generate` (merged slashes) with an HTML 308 whose Location is
    # built from the client's Host, before any before_request (auth) runs and past every error
    # handler. An API has one spelling per route: anything else is the JSON 404 below. (Set
    # before any route is added: a rule takes the map's value when it is bound. Trailing
    # slashes stay strict: no rule ends in one, so `/key/generate/` is a 404, not a second
    # spelling that route checks on request.path would have to know about.)
    app.url_map.merge_slashes = False
    app.url_map.redirect_defaults = False
    app.before_request(_one_spelling)  # the app's own runs before any blueprint's (auth)
    app.register_error_handler(GatewayError, error_response)
    app.register_error_handler(HTTPException, _from_http)
    app.register_error_handler(Exception, _unexpected)
