"""Loopback helpers for the benchmarks: free ports, waiting for a listener or an HTTP answer."""

from __future__ import annotations

import socket
import subprocess
import time

from tests.support.net import free_port, wait_http  # one copy of these, shared with the tests

__all__ = ["free_port", "wait_http", "wait_port"]


def wait_port(port: int, proc: subprocess.Popen | None = None, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before port {port} listened")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port} after {timeout} s")
