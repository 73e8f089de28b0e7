"""Counting the gateway's SQL statements from outside it: a TCP proxy that reads the wire protocol.

The gateway connects to PostgreSQL through this proxy (sslmode=disable, so the protocol is
readable). Every frontend message after start-up is a type byte and a length; a simple query
('Q') or an extended-protocol Execute ('E') is one statement. Nothing in the gateway is asked
or instrumented, so "0 queries on the warm path" is the database's view, not the code's claim.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading

from bench.net import free_port

STATEMENT_TYPES = (b"Q", b"E")


class StatementCounter:
    def __init__(self, target_port: int = 5432, target_host: str = "127.0.0.1") -> None:
        self.port = free_port()
        self._target = (target_host, target_port)
        self._lock = threading.Lock()
        self._statements = 0
        self._listener: socket.socket | None = None

    @property
    def statements(self) -> int:
        with self._lock:
            return self._statements

    def start(self) -> StatementCounter:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self._listener = listener
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None

    def _accept(self) -> None:
        while self._listener is not None:
            try:
                client, _ = self._listener.accept()
                server = socket.create_connection(self._target, timeout=10)
            except OSError:
                return
            server.settimeout(None)
            threading.Thread(target=self._frontend, args=(client, server), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def _frontend(self, src: socket.socket, dst: socket.socket) -> None:
        """Client → server, parsed: the start-up message has no type byte, the rest do."""
        buf = b""
        started = False
        try:
            while data := src.recv(65536):
                dst.sendall(data)
                buf += data
                while True:
                    if not started:
                        if len(buf) < 4:
                            break
                        (length,) = struct.unpack("!I", buf[:4])
                        if len(buf) < length:
                            break
                        code = struct.unpack("!I", buf[4:8])[0] if length >= 8 else 0
                        buf = buf[length:]
                        # SSLRequest/GSSENCRequest (refused with sslmode=disable) precede the real one.
                        started = code not in (80877103, 80877104)
                        continue
                    if len(buf) < 5:
                        break
                    (length,) = struct.unpack("!I", buf[1:5])
                    if len(buf) < 1 + length:
                        break
                    if buf[:1] in STATEMENT_TYPES:
                        with self._lock:
                            self._statements += 1
                    buf = buf[1 + length :]
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
