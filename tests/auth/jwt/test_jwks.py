"""The JWKS store: discovery, several URLs, rotation, the unknown-kid flood, an IdP outage, Redis sharing."""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis as redis_lib

from gateway.auth.jwt.fetch import Fetcher
from gateway.auth.jwt.jwks import JwksStore, UnknownKey
from gateway.auth.jwt.shared import redis_key
from gateway.errors import ServiceUnavailable
from tests.auth.jwt.conftest import bearer
from tests.support.idp import DISCOVERY_PATH
from tests.support.net import Blackhole, closed_port


class Clock:
    """Both clocks of a store, moved by hand."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class CountingRedis:
    def __init__(self, real: redis_lib.Redis) -> None:
        self.real = real
        self.calls = 0

    def __getattr__(self, name: str):
        self.calls += 1
        return getattr(self.real, name)


@pytest.fixture
def shared(redis_url: str):
    client = redis_lib.Redis.from_url(redis_url)
    yield client
    client.close()


def store_for(url: str, clock: Clock, ttl: float = 600.0, **kw) -> JwksStore:
    return JwksStore((url,), ttl, kw.pop("redis_client", None), clock=clock, monotonic=clock, **kw)


def test_discovery_url_is_followed_to_its_jwks_uri(gateway, idp):
    client = gateway(urls=[idp.discovery_url]).test_client()
    assert client.get("/v1/models", headers=bearer(idp.token())).status_code == 200
    assert idp.fetches[DISCOVERY_PATH] == 1 and idp.certs_fetches == 1


def test_keycloak_certs_url_is_used_as_a_jwks(gateway, idp):
    client = gateway(urls=[idp.jwks_url]).test_client()
    assert client.get("/v1/models", headers=bearer(idp.token())).status_code == 200
    assert idp.fetches[DISCOVERY_PATH] == 0 and idp.certs_fetches == 1


def test_two_urls_with_the_first_down_accepts_tokens_from_the_second(gateway, idp):
    down = f"http://127.0.0.1:{closed_port()}/realms/gone/protocol/openid-connect/certs"
    client = gateway(urls=[down, idp.jwks_url]).test_client()
    for _ in range(3):
        assert client.get("/v1/models", headers=bearer(idp.token())).status_code == 200
    assert idp.certs_fetches == 1


def test_idp_down_with_no_copy_is_503(gateway):
    client = gateway(urls=[f"http://127.0.0.1:{closed_port()}/certs"]).test_client()
    token = "eyJhbGciOiJSUzI1NiIsImtpZCI6InJzMjU2LTEifQ.eyJzdWIiOiJ4In0.c2ln"  # RS256, kid rs256-1
    resp = client.get("/v1/models", headers=bearer(token))
    assert resp.status_code == 503 and resp.json["error"]["type"] == "service_unavailable"


def test_keys_are_cached_between_requests(gateway, idp, keys):
    client = gateway().test_client()
    for key in (keys.rs256, keys.es256, keys.eddsa, keys.rs256):
        assert client.get("/v1/models", headers=bearer(idp.token(key))).status_code == 200
    assert idp.certs_fetches == 1


def test_rotated_key_is_accepted_on_its_first_request(gateway, idp, keys):
    client = gateway().test_client()
    assert client.get("/v1/models", headers=bearer(idp.token(keys.rs256))).status_code == 200
    idp.rotate(keys.rs256_next)
    assert client.get("/v1/models", headers=bearer(idp.token(keys.rs256_next))).status_code == 200
    assert idp.certs_fetches == 2


def test_burst_of_unknown_kids_causes_exactly_one_refetch(gateway, idp, keys):
    app = gateway()
    assert app.test_client().get("/v1/models", headers=bearer(idp.token())).status_code == 200
    idp.delay = 0.3  # the re-fetch is still in flight while the burst piles up behind it
    tokens = [idp.token(header={"kid": f"forged-{i}"}) for i in range(100)]

    def call(token: str) -> int:
        return app.test_client().get("/v1/models", headers=bearer(token)).status_code

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=25) as pool:
        statuses = list(pool.map(call, tokens))
    assert statuses == [401] * 100
    assert idp.certs_fetches == 2  # the warm-up, then one re-fetch for the whole burst
    assert time.monotonic() - started < 5  # waiters shared the one fetch rather than queueing fetches


def test_concurrent_requests_with_a_new_kid_wait_for_the_one_fetch(gateway, idp, keys):
    app = gateway()
    assert app.test_client().get("/v1/models", headers=bearer(idp.token(keys.rs256))).status_code == 200
    idp.rotate(keys.rs256_next)
    idp.delay = 0.3
    token = idp.token(keys.rs256_next)

    def call(_: int) -> int:
        return app.test_client().get("/v1/models", headers=bearer(token)).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(call, range(20)))
    assert statuses == [200] * 20
    assert idp.certs_fetches == 2


def test_waiters_do_not_fetch_again_even_with_no_rate_limit(idp, keys):
    store = JwksStore((idp.jwks_url,), 600.0, refetch_interval=0.0)
    store.key_for(keys.rs256.kid)
    idp.rotate(keys.rs256_next)
    idp.delay = 0.3
    with ThreadPoolExecutor(max_workers=20) as pool:
        found = list(pool.map(lambda _: store.key_for(keys.rs256_next.kid), range(20)))
    assert all(k is not None for k in found)
    assert idp.certs_fetches == 2


def test_refetch_for_unknown_kid_is_allowed_again_after_the_interval(idp, keys):
    clock = Clock()
    store = store_for(idp.jwks_url, clock, refetch_interval=10.0)
    store.key_for(keys.rs256.kid)
    for _ in range(3):
        with pytest.raises(UnknownKey):
            store.key_for("forged")
    assert idp.certs_fetches == 2
    clock.advance(9.9)
    with pytest.raises(UnknownKey):
        store.key_for("forged")
    assert idp.certs_fetches == 2
    clock.advance(0.2)
    idp.rotate(keys.rs256_next)
    assert store.key_for(keys.rs256_next.kid) is not None
    assert idp.certs_fetches == 3


def test_idp_stopped_the_cached_set_still_verifies(gateway, idp, keys):
    client = gateway().test_client()
    assert client.get("/v1/models", headers=bearer(idp.token(keys.rs256))).status_code == 200
    idp.stop()
    assert client.get("/v1/models", headers=bearer(idp.token(keys.es256))).status_code == 200


def test_expired_set_is_served_stale_while_the_idp_is_down_then_dropped_after_an_hour(idp, keys, caplog):
    clock = Clock()
    store = store_for(idp.jwks_url, clock, ttl=600.0)
    store.key_for(keys.rs256.kid)
    idp.status = 503
    clock.advance(600 + 3500)
    with caplog.at_level(logging.WARNING, logger="gateway.auth.jwt.jwks"):
        assert store.key_for(keys.rs256.kid) is not None
    assert idp.certs_fetches == 2 and "serving the last good set" in caplog.text
    clock.advance(100)
    with pytest.raises(ServiceUnavailable):
        store.key_for(keys.rs256.kid)
    idp.status = 200
    clock.advance(10)
    assert store.key_for(keys.rs256.kid) is not None  # back as soon as the IdP answers


def test_failed_renewal_is_retried_at_most_once_per_interval(idp, keys):
    clock = Clock()
    store = store_for(idp.jwks_url, clock, ttl=60.0)
    store.key_for(keys.rs256.kid)
    idp.status = 500
    clock.advance(61)
    for _ in range(20):
        store.key_for(keys.rs256.kid)
        clock.advance(0.1)
    assert idp.certs_fetches == 2


def test_cached_set_verifies_with_no_idp_and_no_redis_call(idp, keys, shared):
    clock = Clock()
    counting = CountingRedis(shared)
    store = store_for(idp.jwks_url, clock, redis_client=counting)
    store.key_for(keys.rs256.kid)
    fetches, calls = idp.certs_fetches, counting.calls
    assert (fetches, calls) == (1, 2)  # one read before the fetch, one write after
    for kid in [keys.rs256.kid, keys.es256.kid, keys.eddsa.kid] * 20:
        store.key_for(kid)
        clock.advance(5)
    assert (idp.certs_fetches, counting.calls) == (fetches, calls)


def test_second_process_takes_the_set_from_redis_not_the_idp(gateway, idp, redis_url, shared):
    first = gateway(env={"REDIS_URL": redis_url}).test_client()
    second = gateway(env={"REDIS_URL": redis_url}).test_client()
    assert first.get("/v1/models", headers=bearer(idp.token())).status_code == 200
    assert second.get("/v1/models", headers=bearer(idp.token())).status_code == 200
    assert idp.certs_fetches == 1
    ttl = shared.ttl(redis_key(idp.jwks_url))
    assert 600 < ttl <= 600 + 3600


def test_process_finds_a_rotated_key_that_another_process_put_in_redis(idp, keys, shared):
    clock = Clock()
    first = store_for(idp.jwks_url, clock, redis_client=shared)
    second = store_for(idp.jwks_url, clock, redis_client=shared)
    second.key_for(keys.rs256.kid)
    idp.rotate(keys.rs256_next)
    clock.advance(1)
    first.key_for(keys.rs256_next.kid)  # re-fetches from the IdP and shares the new set
    assert idp.certs_fetches == 2
    assert second.key_for(keys.rs256_next.kid) is not None
    assert idp.certs_fetches == 2


def test_redis_down_is_skipped_and_warned_once_not_per_request(idp, keys, caplog):
    clock = Clock()
    dead = redis_lib.Redis.from_url(f"redis://127.0.0.1:{closed_port()}/0", socket_connect_timeout=0.5)
    store = store_for(idp.jwks_url, clock, ttl=0.0, redis_client=dead)
    with caplog.at_level(logging.WARNING, logger="gateway.auth.jwt"):
        for _ in range(5):
            assert store.key_for(keys.rs256.kid) is not None
            clock.advance(11)
    dead.close()
    assert idp.certs_fetches == 5
    assert caplog.text.count("Redis") == 1


def test_refresh_all_fetches_every_url_and_shares_the_sets(idp, keys, shared):
    clock = Clock()
    down = f"http://127.0.0.1:{closed_port()}/certs"
    store = JwksStore((idp.jwks_url, down), 600.0, shared, clock=clock, monotonic=clock)
    assert store.refresh_all() == {idp.jwks_url: True, down: False}
    assert store.refresh_all() == {idp.jwks_url: True, down: False}
    assert idp.certs_fetches == 2 and shared.exists(redis_key(idp.jwks_url))
    assert store.key_for(keys.es256.kid) is not None and idp.certs_fetches == 2


def test_unknown_kid_with_one_set_missing_is_503_not_a_denial(idp, keys):
    clock = Clock()
    down = f"http://127.0.0.1:{closed_port()}/certs"
    store = JwksStore((down, idp.jwks_url), 600.0, clock=clock, monotonic=clock)
    assert store.key_for(keys.rs256.kid) is not None
    with pytest.raises(ServiceUnavailable):
        store.key_for("kid-that-the-missing-set-might-hold")


def test_slow_idp_is_cut_off_by_the_read_timeout(idp):
    idp.delay = 5.0
    store = JwksStore((idp.jwks_url,), 600.0, fetcher=Fetcher(timeout=(1.0, 0.3)))
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable):
        store.key_for("any")
    assert time.monotonic() - started < 2.0


def test_unanswered_connect_is_cut_off_by_the_connect_timeout():
    hole = Blackhole()
    try:
        url = f"http://127.0.0.1:{hole.port}/certs"
        store = JwksStore((url,), 600.0, fetcher=Fetcher(timeout=(0.3, 5.0)))
        started = time.monotonic()
        with pytest.raises(ServiceUnavailable):
            store.key_for("any")
        assert time.monotonic() - started < 2.0
    finally:
        hole.close()
