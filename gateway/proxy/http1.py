"""HTTP/1.1 to an upstream over one socket: the request in one send, the response head and its body
framing (RFC 9112 §6.3: no body, Content-Length, chunked, or until the server closes).

Why not a library (bench/transport.py, figures in bench/RESULTS.md): urllib3 costs 3-4x this
client's CPU per call; geventhttpclient costs about as little, but its streaming API holds body
bytes until a 4 KiB block fills (a model's first tokens would wait for the end of a short
stream) and it has no whole-call deadline. The semantics kept are the ones the gateway needs:
keep-alive, 1xx skipped, strict framing, a deadline and a per-gap limit on every read, CONNECT
tunnels through an egress proxy.
"""

from __future__ import annotations

import contextlib
import math
import socket
import ssl
import time
from dataclasses import dataclass

from gevent import monkey

from .egress import Proxy

MAX_HEAD = 64 * 1024  # status line + headers; an upstream sending more is broken or hostile
MAX_CHUNK_LINE = 4096
RECV_SIZE = 65536

# The real select(), not gevent's: a zero-timeout readiness check is one cheap syscall.
_select = monkey.get_original("select", "select")


class ProtocolViolation(Exception):
    """The upstream's bytes are not a valid HTTP/1.1 response."""


class Closed(Exception):
    """The upstream closed the connection; `empty` when it sent nothing of a response at all."""

    def __init__(self, empty: bool) -> None:
        super().__init__("connection closed by the upstream")
        self.empty = empty


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a URL's requests go, and the pool key of their connections."""

    scheme: str
    host: str
    port: int
    host_header: str
    address: str | None = None  # the IP to connect to, already checked (address.py); else `host`
    proxy: Proxy | None = None  # the egress proxy the connection goes through (egress.py)

    @property
    def key(self) -> tuple[str, str, int, str | None, Proxy | None]:
        return (self.scheme, self.host, self.port, self.address, self.proxy)

    @property
    def authority(self) -> str:
        """host:port of the server to reach: the checked address when there is one, so that a
        proxy connects where address.py allowed, not where its own DNS says."""
        host = self.address or self.host
        return f"[{host}]:{self.port}" if ":" in host else f"{host}:{self.port}"


class Connection:
    __slots__ = ("buf", "by_deadline", "deadline", "gap", "idle_since", "origin", "received", "sock")

    def __init__(self, sock: socket.socket, origin: Origin, gap: float) -> None:
        self.sock = sock
        self.origin = origin
        self.buf = bytearray()
        self.idle_since = 0.0
        self.received = 0  # bytes of the current response read so far
        # Every read waits at most `gap` and never past `deadline` (time.monotonic()): a per-read
        # timeout alone lets an upstream dripping a byte per gap hold a request forever.
        self.deadline = math.inf
        self.gap = gap
        self.by_deadline = False  # the last wait was cut short by the deadline, not the gap

    def bound(self, deadline: float, gap: float) -> None:
        """Reads of the current request: each within `gap`, all before `deadline`."""
        self.deadline, self.gap = deadline, gap

    def wait_limit(self) -> float:
        """The socket timeout for the next wait (TimeoutError if the deadline has passed)."""
        left = self.deadline - time.monotonic()
        self.by_deadline = left <= self.gap
        if left <= 0:
            raise TimeoutError("deadline passed")
        return left if self.by_deadline else self.gap

    @classmethod
    def open(cls, origin: Origin, timeout: float, context: ssl.SSLContext | None) -> Connection:
        """Connect (through the proxy's tunnel, and TLS-handshake) within `timeout`; OSError or
        ssl.SSLError as raised, TunnelFailed (an OSError) if the proxy refuses."""
        proxy = origin.proxy
        where = (proxy.host, proxy.port) if proxy else (origin.address or origin.host, origin.port)
        sock = socket.create_connection(where, timeout=timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if origin.scheme == "https":
                assert context is not None
                if proxy is not None:
                    _tunnel(cls(sock, origin, timeout), proxy, timeout)
                # The wrapper owns the descriptor from here: it is what must be closed on failure.
                sock = context.wrap_socket(sock, server_hostname=origin.host, do_handshake_on_connect=False)
                sock.do_handshake()
        except BaseException:
            sock.close()
            raise
        return cls(sock, origin, timeout)

    def stale(self) -> bool:
        """An idle connection with something to read is dead: EOF, or bytes nobody asked for."""
        try:
            readable, _, _ = _select([self.sock], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable) or bool(self.buf)

    def fill(self) -> None:
        """Read what the socket has (waiting within the gap and the deadline); Closed at EOF."""
        self.sock.settimeout(self.wait_limit())
        data = self.sock.recv(RECV_SIZE)
        if not data:
            raise Closed(empty=self.received == 0)
        self.received += len(data)
        self.buf += data

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


class TunnelFailed(OSError):
    """The proxy did not open a tunnel to the origin: nothing reached the upstream."""


def _tunnel(conn: Connection, proxy: Proxy, timeout: float) -> None:
    """CONNECT through `proxy` to the origin (RFC 9110 §9.3.6), on the connection's socket."""
    lines = [f"CONNECT {conn.origin.authority} HTTP/1.1", f"Host: {conn.origin.authority}"]
    if proxy.authorization:
        lines.append(f"Proxy-Authorization: {proxy.authorization}")
    conn.bound(time.monotonic() + timeout, timeout)
    conn.sock.settimeout(conn.wait_limit())
    conn.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    try:
        head = read_head(conn)
    except (Closed, ProtocolViolation) as exc:
        raise TunnelFailed(f"proxy {proxy.host}:{proxy.port}: {type(exc).__name__}") from None
    if not 200 <= head.status < 300 or conn.buf:  # a 2xx answer has no body: bytes after it are foreign
        raise TunnelFailed(f"proxy {proxy.host}:{proxy.port} answered CONNECT with {head.status}")


def encode_request(method: str, origin: Origin, target: str, headers: dict[str, str], body: bytes) -> bytes:
    """The request's bytes; ValueError for a header or target that would split the message.
    Through a proxy, an http origin's request is in absolute form, with the proxy's credentials."""
    if origin.proxy is not None and origin.scheme == "http":
        lines = [f"{method} http://{origin.authority}{target} HTTP/1.1", f"Host: {origin.host_header}"]
        if origin.proxy.authorization:
            lines.append(f"Proxy-Authorization: {origin.proxy.authorization}")
    else:
        lines = [f"{method} {target} HTTP/1.1", f"Host: {origin.host_header}"]
    for name, value in headers.items():
        if not name or ":" in name or any(c in name for c in " \r\n") or "\r" in value or "\n" in value:
            raise ValueError(f"header {name!r} cannot be sent")
        lines.append(f"{name}: {value}")
    lines.append(f"Content-Length: {len(body)}")
    if "accept-encoding" not in (n.lower() for n in headers):
        lines.append("Accept-Encoding: identity")  # bodies pass through undecoded
    if any(c in target for c in " \r\n"):
        raise ValueError("request target cannot be sent")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


@dataclass(frozen=True, slots=True)
class Head:
    status: int
    reason: str
    version: int  # 10 or 11
    headers: dict[str, str]  # lower-case names; a repeated field's values joined by ", " (RFC 9110 §5.3)
    framing: str  # "none" | "length" | "chunked" | "close"
    length: int
    keep_alive: bool


def _tokens(value: str | None) -> set[str]:
    return {t.strip().lower() for t in value.split(",")} if value else set()


def _framing(status: int, headers: dict[str, str]) -> tuple[str, int]:
    if status < 200 or status in (204, 304):
        return "none", 0
    te = headers.get("transfer-encoding")
    if te is not None:
        # Chunked must be the final coding; anything else is delimited by the close (§6.3 4).
        return ("chunked", 0) if te.rsplit(",", 1)[-1].strip().lower() == "chunked" else ("close", 0)
    lengths = headers.get("content-length")
    if lengths is not None:
        values = {v.strip() for v in lengths.split(",")}
        value = next(iter(values))
        # ASCII digits only (latin-1's `²` passes isdigit(), then int() raises), and few enough
        # of them for int(): past 4,300 digits it raises too.
        if len(values) != 1 or not (value.isascii() and value.isdigit()) or len(value) > 18:
            raise ProtocolViolation("invalid Content-Length")
        return "length", int(value)
    return "close", 0


def parse_head(raw: bytes) -> Head:
    lines = raw.decode("latin-1").split("\n")
    status_line = lines[0].rstrip("\r")
    version, _, rest = status_line.partition(" ")
    code, _, reason = rest.partition(" ")
    if version not in ("HTTP/1.1", "HTTP/1.0") or len(code) != 3 or not (code.isascii() and code.isdigit()):
        raise ProtocolViolation(f"bad status line {status_line[:80]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        line = line.rstrip("\r")
        if not line:
            continue
        if line[0] in " \t":
            raise ProtocolViolation("obsolete header line folding")
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise ProtocolViolation(f"bad header line {line[:80]!r}")
        name, value = name.lower(), value.strip()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    status = int(code)
    framing, length = _framing(status, headers)
    connection = _tokens(headers.get("connection"))
    v = 11 if version == "HTTP/1.1" else 10
    keep_alive = framing != "close" and ("close" not in connection if v == 11 else "keep-alive" in connection)
    return Head(status, reason, v, headers, framing, length, keep_alive)


def read_head(conn: Connection) -> Head:
    """The final response head (1xx interim responses skipped); Closed, ProtocolViolation, OSError."""
    while True:
        buf = conn.buf
        end, sep = buf.find(b"\r\n\r\n"), 4
        if end < 0:
            end, sep = buf.find(b"\n\n"), 2
        if end > MAX_HEAD or (end < 0 and len(buf) > MAX_HEAD):
            raise ProtocolViolation("response head too large")
        if end < 0:
            conn.fill()
            continue
        raw = bytes(buf[:end])
        del buf[: end + sep]
        head = parse_head(raw)
        if 100 <= head.status < 200 and head.status != 101:
            continue  # 100 Continue, 103 Early Hints: the real answer follows
        if head.status == 101:
            raise ProtocolViolation("unexpected protocol switch")
        return head


class ChunkDecoder:
    """Chunked transfer coding, incrementally: `decode(buf)` consumes what it can from `buf`."""

    __slots__ = ("done", "remaining", "state")

    def __init__(self) -> None:
        self.state = "size"  # size | data | crlf | trailer
        self.remaining = 0
        self.done = False

    def decode(self, buf: bytearray) -> bytes:
        out: list[bytes] = []
        while not self.done:
            if self.state == "size":
                end = buf.find(b"\n")
                if end < 0:
                    if len(buf) > MAX_CHUNK_LINE:
                        raise ProtocolViolation("chunk size line too long")
                    break
                line = bytes(buf[:end]).rstrip(b"\r").split(b";", 1)[0].strip()
                del buf[: end + 1]
                try:
                    size = int(line, 16)
                except ValueError:
                    raise ProtocolViolation("invalid chunk size") from None
                if size < 0:
                    raise ProtocolViolation("invalid chunk size")
                self.remaining = size
                self.state = "data" if size else "trailer"
            elif self.state == "data":
                if not buf:
                    break
                take = min(self.remaining, len(buf))
                out.append(bytes(buf[:take]))
                del buf[:take]
                self.remaining -= take
                if not self.remaining:
                    self.state = "crlf"
            elif self.state == "crlf":
                if len(buf) < 2 and not buf.startswith(b"\n"):
                    break
                if buf.startswith(b"\r\n"):
                    del buf[:2]
                elif buf.startswith(b"\n"):
                    del buf[:1]
                else:
                    raise ProtocolViolation("chunk data not followed by CRLF")
                self.state = "size"
            else:  # trailer section: header lines until an empty line
                end = buf.find(b"\n")
                if end < 0:
                    if len(buf) > MAX_HEAD:
                        raise ProtocolViolation("trailer section too large")
                    break
                line = bytes(buf[:end]).rstrip(b"\r")
                del buf[: end + 1]
                if not line:
                    self.done = True
        return b"".join(out)
