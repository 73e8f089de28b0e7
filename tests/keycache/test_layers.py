"""The layers: warm path with no DB or Redis, L2 backfill, negative entries, counters."""

from __future__ import annotations

import threading
import time

from tests.conftest import MASTER
from tests.keys.conftest import Admin, chat
from tests.metrics import sample
from tests.support.bus import settle, wait_subscribed
from tests.support.redis_server import QUIET

# RPUSH is the usage sink's background writer shipping requests' events every 0.1 s, off the
# request path (a request only appends its event to a buffer in memory).
OFF_PATH = (*QUIET, "rpush")
LOOKUPS, EVENTS = "gateway_keycache_lookups_total", "gateway_keycache_events_total"


def test_warm_path_makes_no_database_query_and_no_redis_round_trip(capp, own_redis, statements):
    client = capp.test_client()
    key = Admin(client).generate(models=["gpt-4o"])["key"]
    settle(capp, own_redis.url)  # the key's own invalidation, delivered late, would drop it from L1
    assert chat(client, key).status_code == 200  # warms L1
    sql = statements(capp)
    redis_before = own_redis.commands(exclude=OFF_PATH)
    for _ in range(50):
        assert chat(client, key).status_code == 200
    assert sql.count == 0
    assert own_redis.commands(exclude=OFF_PATH) == redis_before


def test_master_key_touches_neither_database_nor_redis(capp, own_redis, statements):
    client = capp.test_client()
    sql = statements(capp)
    redis_before = own_redis.commands()
    for _ in range(10):
        assert chat(client, MASTER).status_code == 200
    assert sql.count == 0
    assert own_redis.commands() == redis_before


def test_a_cold_process_reads_l2_not_the_database(make_app, own_redis, statements):
    from tests.keys.conftest import MODELS

    a = make_app(MODELS, env={"REDIS_URL": own_redis.url})
    b = make_app(MODELS, env={"REDIS_URL": own_redis.url})
    key = Admin(a.test_client()).generate()["key"]
    assert chat(a.test_client(), key).status_code == 200
    sql = statements(b)
    cb = b.test_client()
    before = [sample(cb, LOOKUPS, {"result": r}) for r in ("l2", "db")]
    assert chat(cb, key).status_code == 200
    assert sql.count == 0  # generate wrote the record to L2; B never needed the database
    after = [sample(cb, LOOKUPS, {"result": r}) for r in ("l2", "db")]
    assert (after[0] - before[0], after[1] - before[1]) == (1, 0)


def test_thousand_requests_with_hundred_bad_keys_read_the_database_at_most_hundred_times(capp, statements):
    sql = statements(capp)
    bad = [f"sk-bad-key-{i:04d}-xxxxxxxxxxxx" for i in range(100)]
    statuses: list[int] = []

    def worker(keys: list[str]) -> None:
        client = capp.test_client()
        statuses.extend(chat(client, k).status_code for k in keys)

    work = bad * 10
    threads = [threading.Thread(target=worker, args=(work[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert statuses.count(401) == 1000
    assert sql.key_reads() <= 100


def test_negative_entries_without_redis_too(make_app, statements):
    from tests.keys.conftest import MODELS

    app = make_app(MODELS)  # no Redis: L1 only
    client = app.test_client()
    sql = statements(app)
    for _ in range(20):
        assert chat(client, "sk-unknown-key-000000000000").status_code == 401
    assert sql.key_reads() == 1


def test_importing_a_key_clears_its_negative_entry_at_once(make_app, own_redis):
    from tests.keys.conftest import MODELS

    a = make_app(MODELS, env={"REDIS_URL": own_redis.url})
    b = make_app(MODELS, env={"REDIS_URL": own_redis.url})
    wait_subscribed(a)
    wait_subscribed(b)
    custom = "sk-imported-later-0000000001"
    assert chat(a.test_client(), custom).status_code == 401  # negative in A's L1 and in L2
    assert chat(b.test_client(), custom).status_code == 401  # negative in B's L1
    Admin(a.test_client()).generate(key=custom)
    deadline = time.monotonic() + 1.0
    while chat(b.test_client(), custom).status_code != 200:
        assert time.monotonic() < deadline, "the imported key was still refused on B after 1 s"
        time.sleep(0.01)
    assert chat(a.test_client(), custom).status_code == 200


def test_counters(capp):
    client = capp.test_client()
    key = Admin(client).generate()["key"]
    wait_subscribed(capp)
    results = ("l1", "l2", "miss", "negative")
    before = {r: sample(client, LOOKUPS, {"result": r}) for r in results}
    invalidated = sample(client, EVENTS, {"event": "invalidated"})
    chat(client, key)  # L2 (written by generate)
    chat(client, key)  # L1
    chat(client, "sk-never-existed-000000000")  # database miss
    chat(client, "sk-never-existed-000000000")  # negative hit
    Admin(client).post("/key/block", {"key": key})
    deadline = time.monotonic() + 2
    while sample(client, EVENTS, {"event": "invalidated"}) <= invalidated:
        assert time.monotonic() < deadline, "the block's invalidation was never counted"
        time.sleep(0.01)
    after = {r: sample(client, LOOKUPS, {"result": r}) for r in results}
    assert {r: after[r] - before[r] for r in results} == {"l1": 1, "l2": 1, "miss": 1, "negative": 1}
