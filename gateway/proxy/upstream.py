"""The pooled upstream HTTP client: one urllib3 PoolManager per process, every call with timeouts."""

from __future__ import annotations

import logging
import os
import time

from urllib3 import PoolManager, Timeout
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ReadTimeoutError,
)
from urllib3.response import BaseHTTPResponse

from ..errors import UpstreamError, UpstreamTimeout
from ..metrics.registry import UPSTREAM_LATENCY

log = logging.getLogger(__name__)

_OK, _TIMEOUT, _ERROR = (UPSTREAM_LATENCY.labels(o) for o in ("ok", "timeout", "error"))

CONNECT_TIMEOUT = 10.0


class ConnectFailed(Exception):
    """Nothing reached the deployment: safe to try the next one."""

    def __init__(self, timed_out: bool) -> None:
        super().__init__("timed out" if timed_out else "unreachable")
        self.timed_out = timed_out


class UpstreamClient:
    """urllib3 rather than requests: the same pool underneath, noticeably less CPU per call."""

    def __init__(self, maxsize: int = 512) -> None:
        self._maxsize = maxsize
        self._pool: PoolManager | None = None
        self._pid = 0

    def _manager(self) -> PoolManager:
        # Made lazily and again after a fork: a pool must never be shared across processes.
        if self._pool is None or self._pid != os.getpid():
            self._pool = PoolManager(num_pools=64, maxsize=self._maxsize, block=False, retries=False)
            self._pid = os.getpid()
        return self._pool

    def send(
        self, url: str, body: bytes, headers: dict[str, str], timeout: float, stream: bool
    ) -> BaseHTTPResponse:
        """POST `body`; ConnectFailed if nothing was sent, UpstreamError/UpstreamTimeout after.
        The time to the response head is observed in gateway_upstream_latency_seconds."""
        start = time.perf_counter()
        try:
            resp = self._manager().urlopen(
                "POST",
                url,
                body=body,
                headers=headers,
                timeout=Timeout(connect=min(timeout, CONNECT_TIMEOUT), read=timeout),
                retries=False,
                redirect=False,
                preload_content=not stream,
                decode_content=False,
            )
        except NewConnectionError:
            _ERROR.observe(time.perf_counter() - start)
            log.warning("upstream unreachable: %s", url.split("?")[0])
            raise ConnectFailed(timed_out=False) from None
        except ConnectTimeoutError:
            _TIMEOUT.observe(time.perf_counter() - start)
            log.warning("upstream connect timed out: %s", url.split("?")[0])
            raise ConnectFailed(timed_out=True) from None
        except ReadTimeoutError:
            _TIMEOUT.observe(time.perf_counter() - start)
            raise UpstreamTimeout(f"The upstream did not answer within {timeout:g} s.") from None
        except HTTPError as exc:
            _ERROR.observe(time.perf_counter() - start)
            log.warning("upstream failed: %s: %s", url.split("?")[0], type(exc).__name__)
            raise UpstreamError("The upstream connection failed before a response.") from None
        _OK.observe(time.perf_counter() - start)
        return resp

    def clear(self) -> None:
        if self._pool is not None:
            self._pool.clear()
