"""The limiter's script call on connections of its own (gateway/authz/script_call.py), against a
real Redis: a restart costs no failed call, a flushed script is sent again, a connection is never
reused after an error, and a timed-out call is not retried (what it carried would count twice)."""

from __future__ import annotations

import pytest
import redis

from gateway.authz.script_call import ScriptCall
from tests.support.redis_server import RedisServer

COUNT = "return redis.call('INCR', 'calls')"


@pytest.fixture
def server():
    s = RedisServer().start()
    yield s
    s.stop()


def test_a_restarted_redis_costs_no_failed_call(server):
    client = redis.Redis.from_url(server.url)
    call = ScriptCall(client, COUNT)
    assert call() == 1
    server.stop()
    server.start()  # same port: every kept connection is now closed
    assert call() == 1  # retried once on a fresh connection; the dead one ran nothing
    assert call() == 2


def test_a_script_redis_lost_is_sent_again(server):
    client = redis.Redis.from_url(server.url)
    call = ScriptCall(client, COUNT)
    assert call() == 1
    client.script_flush()
    assert call() == 2  # NOSCRIPT, then EVAL on the same connection


def test_a_timed_out_call_is_not_retried_and_its_connection_not_kept(server):
    # The script runs 0.6 s, the socket waits 0.4 s: a retry would connect once the first run
    # ends and run it a second time.
    client = redis.Redis.from_url(server.url, socket_timeout=0.4)
    call = ScriptCall(client, "redis.call('INCR', 'calls') local t = redis.call('TIME') "
                              "while (redis.call('TIME')[1] - t[1]) * 1e6 + redis.call('TIME')[2] - t[2] < 600000 "
                              "do end return 1")  # fmt: skip
    with pytest.raises(redis.TimeoutError):
        call()
    assert call._idle == []  # half a reply may still come on that socket
    patient = redis.Redis.from_url(server.url)  # waits for whatever runs to end
    assert int(patient.get("calls")) == 1  # run once: what a call carries is never applied twice
