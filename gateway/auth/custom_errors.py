"""Custom auth, step 3: what an exception raised by the operator's function means for the client.

Three kinds (docs/custom_auth.md has the table per mode):
- a *denial*: `CustomAuthError` (or a type built on it, or FastAPI's / LiteLLM's own client-facing
  exceptions). Final in every mode; its message and status are meant for the client.
- an *unexpected error*: any other `Exception`. Its text may hold anything (a database URL with its
  password), so the client gets a fixed message; the log gets the exception, the key redacted.
- a *broken function*: a `BaseException` that is not an `Exception` (`gevent.Timeout`, `SystemExit`,
  `KeyboardInterrupt`...). Never a way to decline: 503, and the worker keeps serving.
"""

from __future__ import annotations

import logging
import time
import traceback

from gevent import Timeout

from ..errors import AuthError, GatewayError, ServiceUnavailable

log = logging.getLogger("gateway.auth.custom")

REJECTED = "Authentication Error, custom auth rejected the request."
TIMED_OUT = "Custom auth did not answer in time."
BROKEN = "Custom auth failed; the gateway cannot authenticate this request now."
MAX_MESSAGE = 200
FALL_THROUGH_LOG_EVERY = 60.0
# API.md §9's type for the status a denial carries.
_TYPES = {401: "auth_error", 403: "permission_denied", 404: "not_found", 429: "rate_limit_error"}
# Raised by functions written for LiteLLM, with a text meant for the client (FastAPI's `detail`,
# LiteLLM's `message`); recognised by name, as neither package is a dependency.
CLIENT_FACING = frozenset(
    {
        "starlette.exceptions.HTTPException",
        "fastapi.exceptions.HTTPException",
        "litellm.proxy._types.ProxyException",
    }
)


def _type_for(status: int) -> str:
    if status == 503:
        return "service_unavailable"
    if status >= 500:
        return "auth_error"
    return _TYPES.get(status, "invalid_request_error")


def _as_status(value: object) -> int | None:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 400 <= value <= 599:
        return value
    return None


class CustomAuthError(GatewayError):
    """Raise it from a custom-auth function to deny the request, in every mode: the client gets
    `message` (the api_key, if in it, redacted; at most 200 characters) with `status` (a 4xx or 5xx;
    anything else is 401) and API.md §9's type for that status."""

    def __init__(
        self,
        message: str = "Authentication Error",
        status: int = 401,
        *,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        code = _as_status(status) or 401
        super().__init__(message, param=param, status=code, headers=headers, reason="custom_auth")
        self.type = _type_for(code)


def _redact(text: str, api_key: str | None) -> str:
    return text.replace(api_key, "<redacted>") if api_key else text


def _client_message(text: str, api_key: str | None) -> str:
    text = _redact(text, api_key).strip() or "custom auth rejected the request."
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."


def _is_client_facing(exc: BaseException) -> bool:
    return any(f"{cls.__module__}.{cls.__qualname__}" in CLIENT_FACING for cls in type(exc).__mro__)


def _foreign_denial(exc: BaseException, api_key: str | None) -> CustomAuthError:
    status = _as_status(getattr(exc, "status_code", None)) or _as_status(getattr(exc, "code", None)) or 401
    texts = (getattr(exc, "detail", None), getattr(exc, "message", None), str(exc))
    text = next((t for t in texts if isinstance(t, str) and t.strip()), "")
    return CustomAuthError(_client_message(text, api_key), status)


def describe(exc: BaseException, api_key: str | None, with_traceback: bool = False) -> str:
    """The exception for the server log: type, text and optionally the traceback; never the key."""
    if with_traceback:
        return _redact("".join(traceback.format_exception(exc)).rstrip(), api_key)
    # The exceptions it was raised from too: LiteLLM's idiom `except: raise Exception` hides the cause.
    parts, seen = [], 0
    current: BaseException | None = exc
    while current is not None and seen < 3:
        parts.append(f"{type(current).__name__}: {current}".rstrip(": "))
        current, seen = current.__cause__ or current.__context__, seen + 1
    return _redact(" <- ".join(parts), api_key)


def denial(exc: BaseException, api_key: str | None) -> GatewayError | None:
    """The client's error when `exc` is a documented denial, else None."""
    if isinstance(exc, GatewayError):
        err = GatewayError(_client_message(exc.message, api_key), param=exc.param, status=exc.status)
        err.type, err.headers, err.reason = exc.type, exc.headers, exc.reason or "custom_auth"
        return err
    if _is_client_facing(exc):
        return _foreign_denial(exc, api_key)
    return None


_quiet_until = 0.0  # monotonic time before which auto-mode fall-throughs log at DEBUG only


def _log_fall_through(what: str) -> None:
    """In `auto` mode a LiteLLM-style function raises for every master and virtual key: one INFO
    line a minute says so (a function that broke is seen), the rest go to DEBUG."""
    global _quiet_until
    now = time.monotonic()
    if now < _quiet_until:
        log.debug("custom auth raised %s; trying the next link", what)
        return
    _quiet_until = now + FALL_THROUGH_LOG_EVERY
    log.info("custom auth raised %s; trying the next link (more in the next minute at DEBUG)", what)


def outcome(exc: BaseException, api_key: str | None, mode: str) -> GatewayError | None:
    """The error to answer for what the function raised, or None to go on down the chain."""
    err = denial(exc, api_key)
    if err is not None:
        log.info("custom auth denied the request (%s %s)", err.status, describe(exc, api_key))
        return err
    if not isinstance(exc, Exception):
        # Not a decline: the function (or a timeout it set) stopped it. Logged in full.
        log.error("custom auth function failed, answering 503:\n%s", describe(exc, api_key, True))
        return ServiceUnavailable(TIMED_OUT if isinstance(exc, Timeout) else BROKEN, reason="custom_auth")
    detail = log.isEnabledFor(logging.DEBUG)  # the traceback only when asked: a bad key is routine
    if mode == "auto":
        _log_fall_through(describe(exc, api_key, detail))
        return None
    log.info("custom auth raised %s; answering 401", describe(exc, api_key, detail))
    return AuthError(REJECTED, reason="custom_auth")
