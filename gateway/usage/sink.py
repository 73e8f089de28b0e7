"""Where usage events wait to be stored: a bounded in-process buffer, shipped to a Redis list in
batches by a background writer (one round trip per batch, none on the request path), or kept
in process for the embedded default's in-process flush."""

from __future__ import annotations

import atexit
import threading
import time
from collections import deque

import redis

from .. import forks
from ..redis_failures import RedisFailures
from ..values import UsageEvent
from . import event as codec

QUEUE = "gw:usage:queue"
BATCH = 500
INTERVAL = 0.1  # seconds between shipments when the buffer is not full
MAX_BUFFER = 100_000  # events kept while Redis is away; older ones are dropped, counted


class UsageSink:
    def __init__(self, client: redis.Redis | None) -> None:
        self._redis = client
        self._closed = False
        self._at_exit = False
        self.dropped = 0
        self.shipped = 0
        self._after_fork()
        forks.on_fork(self._after_fork)

    def _after_fork(self) -> None:
        # What the parent buffered is the parent's to ship (shipping it here too would count it
        # twice); the writer thread does not exist here, and its lock may be held forever.
        self._buffer: deque[bytes] = deque()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._started = False
        self.failures = RedisFailures("usage_queue", "buffering in process")
        self._thread: threading.Thread | None = None

    @property
    def local(self) -> bool:
        """True in the embedded default: events stay here until the in-process flush drains them."""
        return self._redis is None

    def push(self, event: UsageEvent) -> None:
        if len(self._buffer) >= MAX_BUFFER:
            self._buffer.popleft()
            self.dropped += 1
        self._buffer.append(codec.encode(event))
        if self._redis is not None:
            if not self._started:
                self._start()
            if len(self._buffer) >= BATCH:
                self._wake.set()

    def drain(self, limit: int) -> list[bytes]:
        """Take up to `limit` buffered events (local mode)."""
        out: list[bytes] = []
        while self._buffer and len(out) < limit:
            out.append(self._buffer.popleft())
        return out

    def give_back(self, events: list[bytes]) -> None:
        """Events a failed flush could not store go back to the front, in order."""
        self._buffer.extendleft(reversed(events))

    def pending(self) -> int:
        return len(self._buffer)

    def _start(self) -> None:
        with self._lock:
            if self._started:
                return
            self._started = True
            self._thread = threading.Thread(target=self._run, name="usage-writer", daemon=True)
            self._thread.start()
            if not self._at_exit:  # once: a child inherits its parent's exit handlers
                self._at_exit = True
                atexit.register(self._ship_at_exit)

    def _ship_at_exit(self) -> None:
        if not self._closed:
            self.ship()

    def close(self) -> None:
        """Stop the writer (tests, shutdown); what is still buffered stays here."""
        self._closed = True
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(2)

    def _run(self) -> None:
        while not self._closed:
            self._wake.wait(INTERVAL)
            self._wake.clear()
            if not self._closed:
                self.ship()
            if self.failures.failing:
                time.sleep(1.0)

    def ship(self) -> None:
        """Send what is buffered to the Redis list, a batch per round trip."""
        while self._buffer and self._redis is not None:
            batch = self.drain(BATCH)
            try:
                self._redis.rpush(QUEUE, *batch)
            except redis.RedisError as exc:
                self.give_back(batch)
                self.failures.failed(exc, "rpush")
                return
            self.failures.ok()
            self.shipped += len(batch)
