"""After os.fork(): the child gets its own database connection and fresh per-process state,
and the parent's connection is left working (gateway/forks.py)."""

from __future__ import annotations

import gc
import json
import os

from sqlalchemy import text

from gateway import forks
from gateway.extensions import db
from gateway.stages import stages
from gateway.values import UsageEvent
from tests.support.bus import wait_subscribed


def in_child(work) -> dict:
    """Run `work()` in a forked child; its JSON result comes back through a pipe."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        try:
            os.write(w, json.dumps(work()).encode())
        except BaseException as exc:
            os.write(w, json.dumps({"error": repr(exc)}).encode())
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    return json.loads(data)


def backend_pid(app) -> int:
    with app.app_context():
        value = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        db.session.remove()  # the connection goes back to the pool: the one a child inherits
        return value


def backend_alive(app, pid: int) -> bool:
    with app.app_context(), db.engine.connect() as conn:
        return bool(
            conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :p"), {"p": pid}).scalar()
        )


def test_a_forked_child_opens_its_own_database_connection(make_app, redis_url):
    app = make_app(env={"REDIS_URL": redis_url})
    parent = backend_pid(app)
    child = in_child(lambda: {"pid": backend_pid(app)})
    assert "error" not in child, child
    assert child["pid"] != parent
    # The parent's pooled connection was not closed by the child: its backend still exists (the
    # parent's next checkout may hand out another pooled connection, so ask the server directly).
    assert backend_alive(app, parent)
    backend_pid(app)  # and the parent's pool still serves


def test_a_forked_child_starts_with_empty_caches_and_buffers(make_app, redis_url):
    app = make_app(env={"REDIS_URL": redis_url})
    sink = stages(app).usage.sink
    sink.close()  # no writer: the event stays buffered in the parent
    sink.push(UsageEvent("req-1", 0.0, "t", None, None, "virtual_key", "m", "d", 200, 1, 1, 0.0, 1.0))
    cache = stages(app).keycache
    wait_subscribed(app)  # subscribing clears L1: done before filling it
    cache.memory.put("a" * 64, None, cache.memory.epoch)  # a negative entry in L1
    cache._flights["b" * 64] = object()  # a read led by a parent thread, mid-flight

    def state() -> dict:
        return {
            "pending": sink.pending(),
            "bus_started": cache.bus._started,
            "l1": len(cache.memory),
            "flights": len(cache._flights),
        }

    assert in_child(state) == {"pending": 0, "bus_started": False, "l1": 0, "flights": 0}
    assert state() == {"pending": 1, "bus_started": True, "l1": 1, "flights": 1}  # the parent's own
    cache._flights.clear()


def test_resets_do_not_keep_their_objects_alive():
    class Resource:
        def reset(self) -> None:
            pass

    gc.collect()  # apps of earlier tests: gone before counting
    before = forks.registered()
    resource = Resource()
    forks.on_fork(resource.reset)
    forks.on_fork(lambda owner: None, owner=resource)
    assert forks.registered() == before + 2
    del resource
    gc.collect()
    assert forks.registered() == before
