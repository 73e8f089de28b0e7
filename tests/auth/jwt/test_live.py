"""The JWT link in a gunicorn gevent worker, as deployed: greenlets share the one re-fetch."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from tests.auth.jwt.conftest import MODELS, bearer
from tests.support.idp import AUDIENCE


def get_models(url: str, token: str) -> int:
    req = urllib.request.Request(url + "/v1/models", headers=bearer(token))
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            json.load(resp)
            return resp.status
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code


def test_rotation_under_gevent_costs_one_fetch_for_concurrent_requests(live_gateway, pg_url, idp, keys):
    gw = live_gateway(
        {"model_list": MODELS, "general_settings": {"enable_jwt_auth": True}},
        {
            "DATABASE_URL": pg_url,
            "JWT_PUBLIC_KEY_URL": idp.discovery_url,
            "JWT_ISSUER": idp.issuer,
            "JWT_AUDIENCE": AUDIENCE,
        },
    )
    assert get_models(gw.url, idp.token(keys.rs256)) == 200
    idp.rotate(keys.rs256_next)
    idp.delay = 0.3
    new, forged = idp.token(keys.rs256_next), idp.token(keys.stranger)
    with ThreadPoolExecutor(max_workers=30) as pool:
        statuses = list(pool.map(lambda t: get_models(gw.url, t), [new] * 30))
        assert statuses == [200] * 30
        assert idp.certs_fetches == 2
        statuses = list(pool.map(lambda t: get_models(gw.url, t), [forged] * 30))
    assert statuses == [401] * 30
    assert idp.certs_fetches == 2  # within 10 s of the last re-fetch: none for the forged kid
