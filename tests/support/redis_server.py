"""A redis-server of the test's own, on its own port, that the test may stop and start again."""

from __future__ import annotations

import shutil
import subprocess
import time

import redis

from .net import free_port

# The subscriber's liveness traffic and the counting query's own commands.
QUIET = ("ping", "info", "hello", "subscribe", "client|setinfo")


class RedisServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        exe = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.proc = subprocess.Popen(
            [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
            finally:
                client.close()
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def commands(self, exclude: tuple[str, ...] = QUIET) -> int:
        """Commands processed, leaving out the subscriber's liveness traffic and this query's own."""
        client = redis.Redis.from_url(self.url)
        try:
            stats = client.info("commandstats")
        finally:
            client.close()
        return sum(v["calls"] for k, v in stats.items() if k.removeprefix("cmdstat_") not in exclude)
