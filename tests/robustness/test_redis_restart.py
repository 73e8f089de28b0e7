"""Redis restarted under load: every client request is still answered 200 (Redis is a cache, a
bus and counters here, never the source of truth), no worker dies, and once Redis is back a
revocation reaches every worker again."""

from __future__ import annotations

import json
import time

from tests.conftest import MASTER
from tests.keys.conftest import MODELS
from tests.robustness.conftest import call, chat_body
from tests.support.live import worker_pids
from tests.support.load import Load


def test_redis_restart_under_load(live_gateway, pg_url, own_redis):
    gw = live_gateway(MODELS, {"DATABASE_URL": pg_url, "REDIS_URL": own_redis.url}, workers=2)
    # Limits and usage go through Redis too: a key with a (generous) rate limit exercises them.
    status, created = call(gw, "/key/generate", {"rpm_limit": 1_000_000, "max_budget": 1000})
    assert status == 200, created
    key = created["key"]
    for _ in range(20):
        assert call(gw, "/v1/chat/completions", chat_body(), key)[0] == 200
    workers = set(worker_pids(gw.proc.pid))
    body = json.dumps(chat_body()).encode()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    load = Load(gw.port, "/v1/chat/completions", body, headers, clients=8).start()
    time.sleep(1.0)
    down_at = time.monotonic()
    own_redis.stop()
    time.sleep(2.0)
    assert call(gw, "/health/readiness")[0] == 503  # the outage is visible where it should be
    own_redis.start()  # the same port, empty: a restart loses the cache
    up_at = time.monotonic()
    time.sleep(2.0)
    outcome = load.stop()

    during = [s for t, s in outcome.timeline if down_at <= t <= up_at]
    assert len(during) > 20, "the load did not run through the outage"
    assert outcome.errors == [], outcome.errors[:5]
    assert set(outcome.statuses) == {200}, outcome.statuses
    assert outcome.quantile(0.99) < 1.0, "Redis timeouts must cost milliseconds, not seconds"
    assert set(worker_pids(gw.proc.pid)) == workers, "a worker died or was killed"

    assert call(gw, "/health/readiness")[0] == 200
    status, _ = call(gw, "/key/block", {"key": key}, MASTER)
    assert status == 200
    deadline = time.monotonic() + 3
    while True:  # every worker: a fresh connection each time, 20 in a row refused
        if all(call(gw, "/v1/chat/completions", chat_body(), key)[0] == 401 for _ in range(20)):
            break
        assert time.monotonic() < deadline, "the revocation did not reach every worker after the restart"
