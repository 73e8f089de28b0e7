"""The pooled upstream HTTP client: keep-alive connections per process (pool.py), HTTP/1.1 on each
(http1.py), through the egress proxy if one applies (egress.py), every call within a deadline,
every body read whole within a size limit."""

from __future__ import annotations

import logging
import ssl
import time
from collections import OrderedDict
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from ..errors import UpstreamError, UpstreamTimeout
from ..metrics.registry import UPSTREAM_LATENCY
from .address import AddressPolicy, Refused
from .egress import Egress
from .http1 import Closed, Origin, ProtocolViolation, TunnelFailed, encode_request, read_head
from .pool import Pool
from .response import BodyError, BodyReadTimeout, BodyTooLarge, UpstreamResponse

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 10.0
MAX_URLS = 1024  # parsed URLs kept; client-side api_base values make the set open-ended
MAX_BODY = 64 * 1024 * 1024  # default cap of a body read whole (general_settings.max_response_size_mb)

_latency: dict[tuple[str, str], Any] = {}  # (model, outcome) -> its histogram child: no lookup per call


def _observe(model: str, outcome: str, seconds: float) -> None:
    child = _latency.get((model, outcome))
    if child is None:  # bounded: model names come from the config
        child = _latency[(model, outcome)] = UPSTREAM_LATENCY.labels(model, outcome)
    child.observe(seconds)


class ConnectFailed(Exception):
    """Nothing reached the deployment: safe to try the next one."""

    def __init__(self, timed_out: bool) -> None:
        super().__init__("timed out" if timed_out else "unreachable")
        self.timed_out = timed_out


def _split(url: str) -> tuple[Origin, str]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("not an http(s) URL with a host")
    default = 443 if scheme == "https" else 80
    port = parts.port or default
    host = parts.hostname
    shown = f"[{host}]" if ":" in host else host
    origin = Origin(scheme, host, port, shown if port == default else f"{shown}:{port}")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return origin, target


class UpstreamClient:
    def __init__(
        self,
        maxsize: int = 512,
        ssl_context: ssl.SSLContext | None = None,
        max_body: int = MAX_BODY,
        policy: AddressPolicy | None = None,
        egress: Egress | None = None,
    ) -> None:
        self.pool = Pool(maxsize=maxsize, ssl_context=ssl_context)
        self.max_body = max_body
        self.policy = policy or AddressPolicy()  # by default a client may choose public hosts only
        self.egress = egress or Egress()  # by default no proxy
        self._urls: OrderedDict[str, tuple[Origin, str]] = OrderedDict()

    def _parse(self, url: str) -> tuple[Origin, str]:
        found = self._urls.get(url)
        if found is None:
            origin, target = _split(url)
            proxy = self.egress.proxy_for(origin.scheme, origin.host, origin.port)
            found = self._urls[url] = (replace(origin, proxy=proxy) if proxy else origin), target
            if len(self._urls) > MAX_URLS:
                self._urls.popitem(last=False)
        return found

    def send(
        self,
        url: str,
        body: bytes,
        headers: dict[str, str],
        timeout: float,
        stream: bool,
        stream_timeout: float | None = None,
        client_chosen: bool = False,
        model: str = "",
    ) -> UpstreamResponse:
        """POST `body`; ConnectFailed if nothing was sent, UpstreamError/UpstreamTimeout after.

        `timeout` is the deadline of the whole call, as LiteLLM documents it: connect, send, head
        and body, a stream's included. A stream's head and every gap between its reads also wait
        at most `stream_timeout`. A body read whole (not streamed, or an error) is at most
        `max_body` bytes. A `client_chosen` URL's host must pass the address policy (address.py,
        ConnectFailed if not) and the connection goes to the address checked. The time to the
        response head is observed in gateway_upstream_latency_seconds, labelled with `model`."""
        shown = url.split("?")[0]
        try:
            origin, target = self._parse(url)
            request = encode_request("POST", origin, target, headers, body)
        except ValueError as exc:
            log.warning("upstream request not sendable: %s: %s", shown, exc)
            raise UpstreamError("The upstream request could not be built.") from None
        if client_chosen:
            try:
                origin = replace(origin, address=self.policy.address_for(origin.host, origin.port))
            except Refused as exc:
                log.warning("client api_base refused: %s: %s", shown, exc)
                raise ConnectFailed(timed_out=False) from None
        start = time.perf_counter()
        deadline = time.monotonic() + timeout
        gap = min(stream_timeout or timeout, timeout) if stream else timeout
        try:
            resp = self._exchange(origin, request, url, deadline, gap)
            if not stream or resp.status >= 400:
                resp.body()  # read the whole body now, within the deadline and the cap
        except ConnectFailed as exc:
            _observe(model, "timeout" if exc.timed_out else "error", time.perf_counter() - start)
            log.warning("upstream %s: %s", "connect timed out" if exc.timed_out else "unreachable", shown)
            raise
        except (TimeoutError, BodyReadTimeout):  # BodyReadTimeout: while reading the body whole
            _observe(model, "timeout", time.perf_counter() - start)
            if gap < timeout and time.monotonic() < deadline - 0.05:
                raise UpstreamTimeout(f"The upstream did not start the stream within {gap:g} s.") from None
            raise UpstreamTimeout(f"The upstream did not answer within {timeout:g} s.") from None
        except BodyTooLarge as exc:
            _observe(model, "error", time.perf_counter() - start)
            log.warning("upstream body over %d bytes: %s", exc.limit, shown)
            raise UpstreamError(
                f"The upstream's answer is larger than the gateway accepts ({exc.limit / 1048576:g} MiB, "
                "general_settings.max_response_size_mb)."
            ) from None
        except (OSError, Closed, ProtocolViolation, BodyError) as exc:
            _observe(model, "error", time.perf_counter() - start)
            log.warning("upstream failed: %s: %s", shown, type(exc).__name__)
            raise UpstreamError("The upstream connection failed before a response.") from None
        _observe(model, "ok", time.perf_counter() - start)
        return resp

    def _exchange(
        self, origin: Origin, request: bytes, url: str, deadline: float, gap: float
    ) -> UpstreamResponse:
        """Send on a pooled connection and read the head. A reused connection the upstream had
        already closed (it answers nothing at all) is replaced once, as nginx does: the request
        never reached the application."""
        for attempt in (1, 2):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("deadline passed")
            try:
                conn, reused = self.pool.acquire(origin, min(left, gap, CONNECT_TIMEOUT))
            except TimeoutError:
                raise ConnectFailed(timed_out=True) from None
            except TunnelFailed as exc:  # said apart: the operator's proxy, not the upstream
                log.warning("egress proxy: %s", exc)
                raise ConnectFailed(timed_out=False) from None
            except OSError:  # refused, unreachable, DNS, TLS handshake: nothing was sent
                raise ConnectFailed(timed_out=False) from None
            try:
                conn.bound(deadline, gap)
                conn.sock.settimeout(conn.wait_limit())
                conn.sock.sendall(request)
                head = read_head(conn)
            except (Closed, ConnectionResetError, BrokenPipeError) as exc:
                conn.close()
                nothing = not isinstance(exc, Closed) or exc.empty
                if reused and nothing and conn.received == 0 and attempt == 1:
                    continue
                raise
            except BaseException:
                conn.close()
                raise
            return UpstreamResponse(conn, head, self.pool, self.max_body)
        raise AssertionError("unreachable")  # pragma: no cover

    def clear(self) -> None:
        self.pool.clear()
