"""Keep-alive connections to upstreams, per origin: bounded in number and in idle time, per process."""

from __future__ import annotations

import ssl
import time
from collections import OrderedDict

from .. import forks
from .http1 import Connection, Origin

IDLE_TTL = 30.0  # seconds an idle connection is kept (below common upstream keep-alive timeouts)


class Pool:
    def __init__(self, maxsize: int = 512, max_origins: int = 64, ssl_context: ssl.SSLContext | None = None):
        self.maxsize = maxsize  # idle connections kept per origin
        self.max_origins = max_origins  # origins with idle connections, least recently used dropped
        self._ssl_context = ssl_context
        self._idle: OrderedDict[tuple[str, str, int, str | None], list[Connection]] = OrderedDict()
        forks.on_fork(self._after_fork)

    def _after_fork(self) -> None:
        # A forked child must never use its parent's sockets: forget them, unclosed (closing a
        # TLS one would send close_notify on the parent's connection).
        self._idle = OrderedDict()

    def context(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            self._ssl_context = ssl.create_default_context()  # verifies certificates and host names
        return self._ssl_context

    def acquire(self, origin: Origin, connect_timeout: float) -> tuple[Connection, bool]:
        """(connection, reused): an idle live one if any, else a new one (OSError if it fails)."""
        idle = self._idle.get(origin.key)
        if idle:
            now = time.monotonic()
            while idle:
                conn = idle.pop()  # most recently used first: the likeliest to be alive
                if now - conn.idle_since < IDLE_TTL and not conn.stale():
                    conn.received = 0
                    return conn, True
                conn.close()
        context = self.context() if origin.scheme == "https" else None
        return Connection.open(origin, connect_timeout, context), False

    def release(self, conn: Connection) -> None:
        """Back to the idle list (a connection whose response was fully read and may be reused)."""
        if conn.buf:  # bytes beyond the response: the connection is out of step, never reuse it
            conn.close()
            return
        key = conn.origin.key
        idle = self._idle.get(key)
        if idle is None:
            idle = self._idle[key] = []
            while len(self._idle) > self.max_origins:
                _, dropped = self._idle.popitem(last=False)
                for c in dropped:
                    c.close()
        else:
            self._idle.move_to_end(key)
        if len(idle) >= self.maxsize:
            conn.close()
            return
        conn.idle_since = time.monotonic()
        idle.append(conn)

    def idle_count(self) -> int:
        return sum(len(v) for v in self._idle.values())

    def clear(self) -> None:
        for conns in self._idle.values():
            for c in conns:
                c.close()
        self._idle = OrderedDict()
