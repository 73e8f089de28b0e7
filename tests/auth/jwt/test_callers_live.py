"""JWT callers and allowed_ips on live gunicorn gateways sharing PostgreSQL and Redis: a team
blocked through one instance refuses its JWT callers on the other within a second, and a key's
allowed_ips hold for the address a trusted proxy forwards."""

from __future__ import annotations

import time

import requests

from tests.auth.jwt.conftest import CHAT, MODELS, bearer
from tests.conftest import auth
from tests.support.idp import AUDIENCE


def chat(url: str, headers: dict[str, str]) -> requests.Response:
    return requests.post(
        url + "/v1/chat/completions", json={"model": "gpt-4o", **CHAT}, headers=headers, timeout=10
    )


def test_a_team_blocked_on_one_instance_refuses_its_jwt_callers_on_the_other(
    live_gateway, pg_url, redis_url, idp
):
    config = {
        "model_list": MODELS,
        "general_settings": {"enable_jwt_auth": True, "litellm_jwtauth": {"team_id_jwt_field": "team_id"}},
    }
    env = {
        "DATABASE_URL": pg_url,
        "REDIS_URL": redis_url,
        "JWT_PUBLIC_KEY_URL": idp.jwks_url,
        "JWT_ISSUER": idp.issuer,
        "JWT_AUDIENCE": AUDIENCE,
    }
    a, b = live_gateway(config, env, name="a"), live_gateway(config, env, name="b")
    resp = requests.post(a.url + "/team/new", json={"team_id": "live-team"}, headers=auth(), timeout=10)
    assert resp.status_code == 200, resp.text  # a team with no keys: only JWT callers use it
    token = bearer(idp.token(team_id="live-team"))
    assert chat(b.url, token).status_code == 200  # b has the caller cached now
    assert chat(b.url, token).status_code == 200
    resp = requests.post(a.url + "/team/block", json={"team_id": "live-team"}, headers=auth(), timeout=10)
    assert resp.status_code == 200
    deadline = time.monotonic() + 1.0
    while chat(b.url, token).status_code != 401:
        assert time.monotonic() < deadline, "the block was not felt on the other instance within 1 s"
        time.sleep(0.05)


def test_key_allowed_ips_hold_for_the_address_a_trusted_proxy_forwards(live_gateway, pg_url):
    config = {"model_list": MODELS, "general_settings": {"trusted_proxies": ["127.0.0.1"]}}
    gw = live_gateway(config, {"DATABASE_URL": pg_url})
    made = requests.post(
        gw.url + "/key/generate", json={"allowed_ips": ["198.51.100.0/24"]}, headers=auth(), timeout=10
    )
    key = made.json()["key"]
    assert chat(gw.url, {**auth(key), "X-Forwarded-For": "198.51.100.20"}).status_code == 200
    refused = chat(gw.url, {**auth(key), "X-Forwarded-For": "198.51.100.20, 203.0.113.5"})
    assert refused.status_code == 403 and refused.json()["error"]["type"] == "permission_denied"
    assert chat(gw.url, auth(key)).status_code == 403  # the proxy itself is not in the key's list
