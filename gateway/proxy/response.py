"""An upstream response read from our HTTP/1.1 connection, behind urllib3's BaseHTTPResponse interface
(what relay.py reads): `status`, `headers`, `data`, `read`, `read1`, `read_chunked`, `stream`,
`release_conn`, `close`; failures mid-body raise urllib3's ReadTimeoutError or ProtocolError
(BodyReadTimeout and BodyTooLarge, subclasses saying which limit was hit).

Streaming yields whatever body bytes have arrived, as soon as they arrive: several SSE events
already in the socket buffer go out to the client in one write instead of one write each.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator

from urllib3.exceptions import ProtocolError, ReadTimeoutError
from urllib3.response import BaseHTTPResponse

from .http1 import ChunkDecoder, Closed, Connection, Head, ProtocolViolation
from .pool import Pool


class BodyReadTimeout(ReadTimeoutError):
    """The body stalled: for longer than the gap between reads, or past the request's deadline."""

    def __init__(self, url: str, by_deadline: bool) -> None:
        super().__init__(None, url, "Read timed out.")  # type: ignore[arg-type]
        self.by_deadline = by_deadline


class BodyTooLarge(ProtocolError):
    """A body read whole (not streamed) is longer than `limit` bytes."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the upstream body is over {limit} bytes")
        self.limit = limit


class UpstreamResponse(BaseHTTPResponse):
    def __init__(self, conn: Connection, head: Head, pool: Pool, url: str, limit: int) -> None:
        super().__init__(
            headers=head.headers,
            status=head.status,
            version=head.version,
            version_string="HTTP/1.1" if head.version == 11 else "HTTP/1.0",
            reason=head.reason,
            decode_content=False,
            request_url=url,
        )
        self.chunked = head.framing == "chunked"
        self._conn: Connection | None = conn
        self._head = head
        self._pool = pool
        self._chunks = ChunkDecoder() if self.chunked else None
        self._remaining = head.length if head.framing == "length" else -1
        self._done = head.framing == "none"
        self._body: bytes | None = None
        self._pending = b""  # read1(amt)'s leftover
        self._limit = limit  # of a body read whole; a streamed one is relayed, never held
        self.length_remaining = self._remaining if self._remaining >= 0 else None
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
        if self._pending:
            data, self._pending = self._pending, b""
            return data
        while not self._done:
            if self._conn is None:
                raise ProtocolError("response body read after the connection was closed")
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
                raise ProtocolError("the upstream closed the connection before the body ended") from None
            except TimeoutError:
                by_deadline = self._conn.by_deadline
                self._fail()
                raise BodyReadTimeout(self._request_url or "", by_deadline) from None
            except (OSError, ProtocolViolation) as exc:
                self._fail()
                raise ProtocolError(f"reading the upstream body failed: {type(exc).__name__}") from None
        return b""

    def _finish(self) -> None:
        """The body is complete: a keep-alive connection goes back to the pool."""
        conn, self._conn = self._conn, None
        if conn is not None:
            if self._head.keep_alive and not self._pending:
                self._pool.release(conn)
            else:
                conn.close()

    def _fail(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    @property
    def data(self) -> bytes:
        if self._body is None:
            self._body = self.read()
        return self._body

    def read(
        self, amt: int | None = None, decode_content: bool | None = None, cache_content: bool = False
    ) -> bytes:
        if amt is not None:
            return self.read1(amt)
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
        return b"".join(parts)

    def read1(self, amt: int | None = None, decode_content: bool | None = None) -> bytes:
        data = self._next()
        if amt is not None and len(data) > amt:
            data, self._pending = data[:amt], data[amt:]
        return data

    def read_chunked(self, amt: int | None = None, decode_content: bool | None = None) -> Iterator[bytes]:
        while chunk := self.read1(amt):
            yield chunk

    def stream(self, amt: int | None = 2**16, decode_content: bool | None = None) -> Iterator[bytes]:
        yield from self.read_chunked(amt)

    # -- the connection ----------------------------------------------------------------------
    def release_conn(self) -> None:
        """After the body was read, the connection is already back in the pool; before, it is
        closed (its unread rest would corrupt the next response)."""
        if not self._done:
            self._fail()

    def drain_conn(self) -> None:
        with contextlib.suppress(ProtocolError, ReadTimeoutError):
            self.read()

    def close(self) -> None:
        self._done = True
        self._fail()

    def shutdown(self) -> None:
        conn = self._conn
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.sock.shutdown(socket.SHUT_RDWR)

    @property
    def closed(self) -> bool:
        return self._conn is None

    @property
    def url(self) -> str | None:
        return self._request_url

    @url.setter
    def url(self, url: str | None) -> None:
        self._request_url = url

    @property
    def connection(self) -> None:
        return None

    def readable(self) -> bool:
        return True
