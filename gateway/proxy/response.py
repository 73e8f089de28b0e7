"""An upstream response read from our HTTP/1.1 connection, behind a small interface of its own:
`status`, `headers` (lower-case names), the body read whole (`body()`, within a size cap) or as it
arrives (`chunks()`), and `close()`. A body that breaks raises BodyError (BodyReadTimeout and
BodyTooLarge say which limit was hit).

Streaming yields whatever body bytes have arrived, as soon as they arrive: several SSE events
already in the socket buffer go out to the client in one write instead of one write each.
"""

from __future__ import annotations

from collections.abc import Iterator

from .http1 import ChunkDecoder, Closed, Connection, Head, ProtocolViolation
from .pool import Pool


class BodyError(Exception):
    """The upstream's body could not be read to its end."""


class BodyReadTimeout(BodyError):
    """The body stalled: for longer than the gap between reads, or past the request's deadline."""

    def __init__(self, by_deadline: bool) -> None:
        super().__init__("the upstream body timed out")
        self.by_deadline = by_deadline


class BodyTooLarge(BodyError):
    """A body read whole (not streamed) is longer than `limit` bytes."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the upstream body is over {limit} bytes")
        self.limit = limit


class UpstreamResponse:
    __slots__ = (
        "_body",
        "_chunks",
        "_conn",
        "_done",
        "_head",
        "_limit",
        "_pool",
        "_remaining",
        "headers",
        "status",
    )

    def __init__(self, conn: Connection, head: Head, pool: Pool, limit: int) -> None:
        self.status = head.status
        self.headers = head.headers
        self._conn: Connection | None = conn
        self._head = head
        self._pool = pool
        self._chunks = ChunkDecoder() if head.framing == "chunked" else None
        self._remaining = head.length if head.framing == "length" else -1
        self._done = head.framing == "none"
        self._body: bytes | None = None
        self._limit = limit  # of a body read whole; a streamed one is relayed, never held
        if self._done:
            self._finish()

    # -- reading -------------------------------------------------------------------------
    def _take(self) -> bytes:
        """Body bytes already in the buffer (decoded from chunks), without reading the socket."""
        conn = self._conn
        assert conn is not None
        buf = conn.buf
        if self._chunks is not None:
            data = self._chunks.decode(buf)
            self._done = self._chunks.done
            return data
        if self._remaining >= 0:
            take = min(self._remaining, len(buf))
            data = bytes(buf[:take])
            del buf[:take]
            self._remaining -= take
            self._done = self._remaining == 0
            return data
        data = bytes(buf)  # delimited by close: everything until EOF
        buf.clear()
        return data

    def _next(self) -> bytes:
        """The next body bytes, waiting for the socket when none are buffered; b"" at the end."""
        while not self._done:
            if self._conn is None:
                raise BodyError("response body read after the connection was closed")
            try:
                data = self._take()
                if data or self._done:
                    if self._done:
                        self._finish()
                    return data
                self._conn.fill()
            except Closed:
                if self._remaining < 0 and self._chunks is None:  # close-delimited: EOF is the end
                    self._done = True
                    self._finish()
                    return b""
                self._fail()
                raise BodyError("the upstream closed the connection before the body ended") from None
            except TimeoutError:
                by_deadline = self._conn.by_deadline
                self._fail()
                raise BodyReadTimeout(by_deadline) from None
            except (OSError, ProtocolViolation) as exc:
                self._fail()
                raise BodyError(f"reading the upstream body failed: {type(exc).__name__}") from None
        return b""

    def _finish(self) -> None:
        """The body is complete: a keep-alive connection goes back to the pool."""
        conn, self._conn = self._conn, None
        if conn is not None:
            if self._head.keep_alive:
                self._pool.release(conn)
            else:
                conn.close()

    def _fail(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def body(self) -> bytes:
        """The whole body (read once, then kept); BodyTooLarge past the cap, BodyError."""
        if self._body is not None:
            return self._body
        limit = self._limit
        if self._remaining > limit:  # said up front: not a byte of it is read
            self.close()
            raise BodyTooLarge(limit)
        parts, size = [], 0
        while chunk := self._next():
            size += len(chunk)
            if size > limit:  # chunked or close-delimited: stop at the limit, not at the end
                self.close()
                raise BodyTooLarge(limit)
            parts.append(chunk)
        self._body = b"".join(parts)
        return self._body

    def chunks(self) -> Iterator[bytes]:
        """The body as it arrives, without a size cap (it is relayed, never held); BodyError."""
        while chunk := self._next():
            yield chunk

    def close(self) -> None:
        """Done with the response: a body read to its end already put the connection back in
        the pool; an unfinished one closes it (its unread rest would corrupt the next response,
        and the upstream sees the disconnect)."""
        self._done = True
        self._fail()
