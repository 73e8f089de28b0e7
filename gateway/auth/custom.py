"""Custom auth (API.md §7): load the operator's `module.function` at start-up; the chain's first link."""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import inspect
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from types import ModuleType
from typing import Any

from flask import Request
from gevent import GreenletExit

from ..errors import AuthError
from ..settings import ConfigError, Settings
from ..values import Credential, Principal
from .custom_errors import CustomAuthError, outcome
from .custom_request import Request as CustomAuthRequest
from .custom_result import InvalidPrincipal, to_principal

__all__ = ["CustomAuthError", "CustomAuthenticator", "load_custom_auth"]

log = logging.getLogger(__name__)

KEY = "general_settings.custom_auth"
# Loaded beside config.yaml under this prefix, so it never shadows an installed module.
MODULE_PREFIX = "gateway_custom_auth."
ABSTAINED = "Authentication Error, custom auth did not accept this request."

CustomAuthFn = Callable[[CustomAuthRequest, str | None], Any]


def _fail(settings: Settings, message: str) -> ConfigError:
    return ConfigError(settings.source, KEY, message)


def _file_beside_config(base_dir: str, module: str) -> str | None:
    stem = os.path.join(base_dir, *module.split("."))
    for path in (stem + ".py", os.path.join(stem, "__init__.py")):
        if os.path.isfile(path):
            return path
    return None


def _exec_file(settings: Settings, module: str, path: str) -> ModuleType:
    name = MODULE_PREFIX + module
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise _fail(settings, f"cannot load {path} as a Python module")
    mod = importlib.util.module_from_spec(spec)
    # Registered before it runs, as `import` does: dataclasses and pickling look modules up by name.
    sys.modules[name] = mod
    try:
        spec.loader.exec_module(mod)
    except Exception as exc:
        sys.modules.pop(name, None)
        raise _fail(settings, f"importing {path} failed: {type(exc).__name__}: {exc}") from None
    return mod


def _import(settings: Settings, module: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and (module == exc.name or module.startswith(exc.name + ".")):
            beside = f" beside {settings.source} nor" if settings.base_dir else ""
            raise _fail(settings, f"module {module!r} not found{beside} on sys.path") from None
        raise _fail(settings, f"importing {module!r} failed: {exc}") from None
    except Exception as exc:
        raise _fail(settings, f"importing {module!r} failed: {type(exc).__name__}: {exc}") from None


def load_custom_auth(settings: Settings) -> CustomAuthFn:
    """The configured function: from `<config dir>/<module>.py` first, then sys.path; ConfigError else."""
    spec = settings.custom_auth or ""
    module, _, func_name = spec.rpartition(".")
    if not module or not func_name:
        raise _fail(settings, f"must be 'module.function', got {spec!r}")
    path = _file_beside_config(settings.base_dir, module) if settings.base_dir else None
    mod = _exec_file(settings, module, path) if path else _import(settings, module)
    where = path or module
    fn = getattr(mod, func_name, None)
    if fn is None:
        raise _fail(settings, f"{where} has no function {func_name!r}")
    if not callable(fn):
        raise _fail(settings, f"{where}: {func_name!r} is not callable")
    try:
        inspect.signature(fn).bind(None, None)
    except TypeError:
        raise _fail(
            settings, f"{where}: {func_name}() must accept two arguments (request, api_key)"
        ) from None
    except ValueError:
        pass  # no signature to inspect (some builtins): the call itself will tell
    return fn


def _run_loop(awaitable: Awaitable[Any]) -> tuple[Any, BaseException | None]:
    """(result, None) or (None, exception): raised inside gevent's pool, an exception would also
    be printed as a traceback (a denial is not an error), and a BaseException such as SystemExit
    would end the pool's thread and leave the request waiting for ever."""

    async def main() -> Any:
        return await awaitable

    try:
        return asyncio.run(main()), None
    except BaseException as exc:  # handed back to the request's greenlet, which classifies it
        return None, exc


def _resolve(result: Any, view: CustomAuthRequest) -> Any:
    """Await what an `async def` function returned, without blocking the gevent hub."""
    if not inspect.isawaitable(result):
        return result
    from gevent import monkey

    if monkey.is_module_patched("socket"):
        import gevent

        # A native thread with its own event loop; this greenlet waits, the others run.
        hub = view.hub = gevent.get_hub()  # where `await request.body()` reads the socket
        value, exc = hub.threadpool.apply(_run_loop, (result,))
    else:
        value, exc = _run_loop(result)
    if exc is not None:
        raise exc
    return value


class CustomAuthenticator:
    """Calls the operator's function. Allowed: a Principal. Abstained (None): `on` 401, `auto` the
    next link. Raised: custom_errors.outcome (a denial is final in every mode)."""

    name = "custom"

    def __init__(self, fn: CustomAuthFn, mode: str) -> None:
        self.fn = fn
        self.mode = mode

    def authenticate(self, credential: Credential | None, request: Request) -> Principal | None:
        api_key = credential.value if credential is not None else None
        # The real object, not the context-bound proxy: an async function runs in another thread.
        real = request._get_current_object() if hasattr(request, "_get_current_object") else request
        view = CustomAuthRequest(real)
        try:
            result = _resolve(self.fn(view, api_key), view)
        except GreenletExit:
            raise  # gevent is ending this request's greenlet (worker shutdown): not the function's doing
        except BaseException as exc:  # SystemExit, gevent.Timeout...: answered, never the worker killed
            if view.body_error is not None:
                raise view.body_error from None
            err = outcome(exc, api_key, self.mode)
            if err is None:
                return None
            raise err from None
        if view.body_error is not None:
            raise view.body_error  # a body over the limit is a 413, whatever the function made of it
        if result is None:
            if self.mode == "auto":
                return None
            raise AuthError(ABSTAINED, reason="custom_auth")
        try:
            return to_principal(result)
        except InvalidPrincipal as exc:
            log.warning("custom auth returned an invalid principal: %s", exc)
            raise AuthError(
                f"custom auth returned an invalid principal: {exc}", reason="custom_auth"
            ) from None
