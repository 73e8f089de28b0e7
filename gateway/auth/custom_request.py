"""Custom auth, step 1: the request a function is given. Starlette's reading API (what functions
written for LiteLLM use: headers, url.path, query_params, client.host, `await body()` / `json()`)
over the Flask request, read-only; the body is read once, under the gateway's size limit."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import io
from collections.abc import Iterator, Mapping
from functools import cached_property
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import orjson
from flask import Request as FlaskRequest
from werkzeug.datastructures import EnvironHeaders, MultiDict

from ..body import read_body
from ..errors import GatewayError


class Address(NamedTuple):
    host: str | None
    port: int | None


class Headers(Mapping[str, str]):
    """Case-insensitive, names listed in lower case, as Starlette's are."""

    def __init__(self, headers: EnvironHeaders) -> None:
        self._headers = headers

    def __getitem__(self, name: str) -> str:
        value = self._headers.get(name)
        if value is None:
            raise KeyError(name)  # a plain KeyError, not Werkzeug's BadRequestKeyError (an HTTP 400)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(name.lower() for name, _ in self._headers.items()))

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def getlist(self, name: str) -> list[str]:
        return self._headers.getlist(name)


class QueryParams(Mapping[str, str]):
    """The query string; a repeated name gives its last value, `getlist` gives them all."""

    def __init__(self, args: MultiDict[str, str]) -> None:
        self._args = args

    def __getitem__(self, name: str) -> str:
        values = self._args.getlist(name)
        if not values:
            raise KeyError(name)
        return values[-1]

    def __iter__(self) -> Iterator[str]:
        return iter(self._args.keys())

    def __len__(self) -> int:
        return len(self._args)

    def getlist(self, name: str) -> list[str]:
        return self._args.getlist(name)

    def multi_items(self) -> list[tuple[str, str]]:
        return list(self._args.items(multi=True))


class URL(str):
    """The full URL as a string (Flask's `request.url`), with Starlette's parts as attributes."""

    @cached_property
    def _parts(self) -> Any:
        return urlsplit(self)

    path = property(lambda self: self._parts.path)
    query = property(lambda self: self._parts.query)
    scheme = property(lambda self: self._parts.scheme)
    netloc = property(lambda self: self._parts.netloc)
    hostname = property(lambda self: self._parts.hostname)
    port = property(lambda self: self._parts.port)


class Request:
    """What the function reads. Starlette names: `headers`, `url`, `method`, `query_params`,
    `client`, `cookies`, `path_params`, `await body()`, `await json()`. Flask names kept from the
    first version of this API: `path`, `args`, `remote_addr`, `environ`."""

    def __init__(self, request: FlaskRequest) -> None:
        self._request = request
        self.method: str = request.method
        self.headers = Headers(request.headers)
        self.path: str = request.path
        self.path_params: dict[str, Any] = {}
        self.environ = request.environ
        self.remote_addr: str | None = request.remote_addr
        # Set by the caller when the function runs in a native thread: the body is read over there.
        self.hub: Any = None
        self.body_error: GatewayError | None = None  # a refused body (413) outlives the function
        self._body: bytes | None = None
        # The app and request contexts, for a read made from a greenlet of its own.
        self._context = contextvars.copy_context()

    @cached_property
    def url(self) -> URL:
        return URL(self._request.url)

    @cached_property
    def query_params(self) -> QueryParams:
        return QueryParams(self._request.args)

    @property
    def args(self) -> MultiDict[str, str]:
        return self._request.args

    @cached_property
    def client(self) -> Address:
        port = self.environ.get("REMOTE_PORT")
        return Address(self.remote_addr, int(port) if port and str(port).isdigit() else None)

    @cached_property
    def cookies(self) -> dict[str, str]:
        return dict(self._request.cookies)

    async def body(self) -> bytes:
        """The whole body, read once under the size limit (a 413 is final, whatever the function
        does with the error), and left for the gateway to read again after the function."""
        if self._body is None:
            if self.hub is None:
                self._body = self._read()
            else:
                self._body = await self._read_in_hub()
        return self._body

    async def json(self) -> Any:
        """The body parsed as JSON; ValueError if it is not JSON."""
        return orjson.loads(await self.body())

    def _read(self) -> bytes:
        try:
            data = read_body(self._request)
        except GatewayError as exc:
            self.body_error = exc
            raise
        # Served again to the gateway's own read (body.read_body): Werkzeug's get_data returns
        # its cached bytes, and a chunked body is read from wsgi.input.
        self._request._cached_data = data
        self.environ["wsgi.input"] = io.BytesIO(data)
        return data

    async def _read_in_hub(self) -> bytes:
        """From gevent's thread pool: the client socket belongs to the worker's hub thread, so
        the read runs there, in a greenlet, and its result comes back to this event loop."""
        import gevent

        loop = asyncio.get_running_loop()
        waiter = loop.create_future()

        def deliver(data: bytes | None, exc: BaseException | None) -> None:
            if not waiter.done():
                waiter.set_exception(exc) if exc is not None else waiter.set_result(data)

        def read() -> None:
            try:
                data, exc = self._context.run(self._read), None
            except BaseException as error:  # handed to the function, which sees it raised by body()
                data, exc = None, error
            with contextlib.suppress(RuntimeError):  # the function gave up waiting: its loop is closed
                loop.call_soon_threadsafe(deliver, data, exc)

        self.hub.loop.run_callback_threadsafe(gevent.spawn, read)
        return await waiter
