"""Invalidation over Redis pub/sub: every process drops changed keys from L1 within milliseconds.

One subscriber thread per process (a greenlet under gevent), started lazily, and again in a
forked child (gateway/forks.py). It pings its own connection; when the subscription is lost it
clears the whole L1, because invalidations published meanwhile are gone, and L1 is trusted
only briefly until it is back.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import redis

from .. import forks
from . import stats as counters
from .memory import Memory

log = logging.getLogger(__name__)

CHANNEL = "gw:keys:invalidate"
PING_EVERY = 1.0
DEAD_AFTER = 3.0  # no pong for this long: the connection is gone even if the socket says nothing


class Bus:
    def __init__(self, url: str, memory: Memory, replay: Callable[[list[str]], None]) -> None:
        self._url = url
        self._memory = memory
        self._replay = replay
        self._pending: set[str] = set()
        self._after_fork()
        forks.on_fork(self._after_fork)

    def _after_fork(self) -> None:
        # The parent's subscriber thread does not exist here, and its lock may be held forever.
        self._started = False
        self._start_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.connected = False

    def ensure_started(self) -> None:
        """Cheap on the hot path; starts the subscriber once per process (after a fork, again)."""
        if self._started:
            return
        with self._start_lock:
            if self._started:
                return
            self.connected = False
            self._memory.clear()
            self._started = True
            self._thread = threading.Thread(target=self._run, name="keycache-bus", daemon=True)
            self._thread.start()

    def publish(self, client: redis.Redis, tokens: list[str]) -> None:
        client.publish(CHANNEL, " ".join(tokens))

    def defer(self, tokens: list[str]) -> None:
        """Invalidations that could not be sent: replayed once Redis answers again."""
        self._pending.update(tokens)

    def stop(self, wait: float = 2.0) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(wait)

    def _run(self) -> None:
        backoff = 0.1
        while not self._stop.is_set():
            try:
                self._listen()
                backoff = 0.1
            except (redis.RedisError, OSError, ValueError) as exc:
                if self.connected:
                    log.warning(
                        "key invalidation channel lost (%s): L1 cleared, resubscribing", type(exc).__name__
                    )
                self.connected = False
                self._memory.clear()
                counters.RESUBSCRIBED.inc()
            self._stop.wait(backoff)
            backoff = min(backoff * 2, 2.0)

    def _listen(self) -> None:
        client = redis.Redis.from_url(self._url, socket_connect_timeout=0.5, socket_timeout=5)
        pubsub = client.pubsub()
        try:
            pubsub.subscribe(CHANNEL)
            deadline = time.monotonic() + 2
            while True:  # wait for the confirmation: from then on, no publication is missed
                msg = pubsub.get_message(timeout=0.5)
                if msg and msg["type"] == "subscribe":
                    break
                if time.monotonic() > deadline:
                    raise redis.TimeoutError("no subscribe confirmation")
            # Anything cached before now may have missed an invalidation.
            self._memory.clear()
            self.connected = True
            log.info("key invalidation channel subscribed")
            last_pong = time.monotonic()
            next_ping = last_pong + PING_EVERY
            while not self._stop.is_set():
                msg = pubsub.get_message(timeout=0.25)
                now = time.monotonic()
                if msg is not None:
                    if msg["type"] == "message":
                        tokens = msg["data"].decode().split()
                        self._memory.drop(tokens)
                        counters.INVALIDATED.inc(len(tokens))
                    elif msg["type"] == "pong":
                        last_pong = now
                if now >= next_ping:
                    pubsub.ping("gw")
                    next_ping = now + PING_EVERY
                if now - last_pong > DEAD_AFTER:
                    raise redis.ConnectionError("no pong from Redis")
                if self._pending:
                    pending, self._pending = list(self._pending), set()
                    self._replay(pending)
        finally:
            self.connected = False
            pubsub.close()
            client.close()
