"""A Lua script called on connections of its own: the limiter's one call per limited request.

redis-py's pool checks every connection it hands out for unread data (a poll system call) and
records metrics for it, about 50 µs of CPU per call on this machine against about 15 µs for the
call itself beyond the socket (bench/RESULTS.md). A connection here goes back to the idle list
only after its reply was read whole and is dropped on any error, so it can never hold stray
data, and needs no check. Connections are the client pool's own kind (URL, password, TLS,
timeouts and health checks as configured), made by it."""

from __future__ import annotations

import hashlib
from typing import Any

import redis
from redis.exceptions import ConnectionError, NoScriptError

from .. import forks

MAX_IDLE = 64  # connections kept between calls; more are opened under load and closed after


class ScriptCall:
    def __init__(self, client: redis.Redis, source: str) -> None:
        self._pool = client.connection_pool
        self._source = source
        self._sha = hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()  # what Redis names it
        self._idle: list[Any] = []
        forks.on_fork(self._after_fork)

    def _after_fork(self) -> None:
        # The parent's sockets: dropped, never shut down (its connections are still in use there).
        self._idle = []

    def close(self) -> None:
        """Close the kept connections (shutdown, tests); a later call opens new ones."""
        idle, self._idle = self._idle, []
        for conn in idle:
            conn.disconnect()

    def __call__(self, *args: Any) -> Any:
        """EVALSHA with no keys (EVAL when Redis lost the script); one retry on a fresh
        connection when a kept one turns out closed (Redis restarted: the call never ran). Not
        after a timeout: the script may have run, and what it carried (settlements) would be
        applied twice. Raises RedisError."""
        try:
            conn, reused = self._idle.pop(), True
        except IndexError:
            conn, reused = self._pool.make_connection(), False
        try:
            return self._once(conn, args)
        except ConnectionError:
            if not reused:
                raise
            self._idle = []  # after a restart every kept connection is closed too
            return self._once(self._pool.make_connection(), args)

    def _once(self, conn: Any, args: tuple[Any, ...]) -> Any:
        try:
            try:
                conn.send_command("EVALSHA", self._sha, 0, *args)
                reply = conn.read_response()
            except NoScriptError:
                conn.send_command("EVAL", self._source, 0, *args)
                reply = conn.read_response()
        except BaseException:  # a timeout may leave half a reply on the socket: never reuse it
            conn.disconnect()
            raise
        if len(self._idle) < MAX_IDLE:
            self._idle.append(conn)
        else:
            conn.disconnect()
        return reply
