"""An invalidation that lands while a lookup is reading the database: L1 must not keep the old read."""

from __future__ import annotations

import threading

from sqlalchemy import event

from gateway.extensions import db
from gateway.stages import stages
from tests.keys.conftest import MODELS, Admin, chat


def test_a_key_blocked_while_its_lookup_reads_the_database_is_refused_afterwards(make_app):
    app = make_app(MODELS)  # no Redis: L1 over the database, invalidated in this process
    admin = Admin(app.test_client())
    key = admin.generate()["key"]
    stages(app).keycache.memory.clear()  # the next lookup reads the database
    reader: dict[str, int] = {}
    read_done, block_done = threading.Event(), threading.Event()

    def hold_the_read(conn, cursor, statement, *args) -> None:
        # The lookup's database read has returned the unblocked row; before the cache stores
        # it, the key is blocked (commit + invalidation) from another thread.
        if threading.get_ident() == reader.get("thread") and "verification_tokens" in statement:
            reader.pop("thread")
            read_done.set()
            assert block_done.wait(10), "the block never finished"

    with app.app_context():
        engine = db.engine
    event.listen(engine, "after_cursor_execute", hold_the_read)
    statuses: list[int] = []

    def first_request() -> None:
        reader["thread"] = threading.get_ident()
        statuses.append(chat(app.test_client(), key).status_code)

    try:
        t = threading.Thread(target=first_request)
        t.start()
        assert read_done.wait(10), "the lookup never read the database"
        admin.post("/key/block", {"key": key})
        block_done.set()
        t.join(10)
    finally:
        event.remove(engine, "after_cursor_execute", hold_the_read)
    assert statuses == [200]  # began before the block: served with what it read
    # The read began before the invalidation: had L1 stored it, the blocked key would pass here.
    assert chat(app.test_client(), key).status_code == 401
