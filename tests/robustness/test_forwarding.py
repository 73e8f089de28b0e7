"""Forwarding headers on a live gunicorn gateway: none is trusted unless the operator lists its
proxies (FORWARDED_ALLOW_IPS), and no header ever changes which route a request reaches."""

from __future__ import annotations

import http.client

import pytest

from tests.conftest import MASTER
from tests.keys.conftest import MODELS


def send(gw, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=10)
    conn.request(method, path, body=body or None, headers={"Authorization": f"Bearer {MASTER}", **headers})
    resp = conn.getresponse()
    status, data = resp.status, resp.read()
    conn.close()
    return status, data


ROUTING = [
    # gunicorn mapped these headers into the WSGI environ for a trusted peer (127.0.0.1 by
    # default): `SCRIPT_NAME: /foo` turned /foo/key/generate into /key/generate, and PATH_INFO
    # replaced the path outright, past any proxy rule written for the path the client sent.
    ("/foo/key/generate", {"SCRIPT_NAME": "/foo"}),
    ("/allowed/path", {"PATH_INFO": "/key/generate"}),
]


@pytest.mark.parametrize("trusted", [False, True], ids=["default", "proxy-listed"])
def test_no_header_routes_a_request(live_gateway, pg_url, trusted):
    env = {"DATABASE_URL": pg_url, **({"FORWARDED_ALLOW_IPS": "127.0.0.1"} if trusted else {})}
    gw = live_gateway(MODELS, env)
    for path, headers in ROUTING:
        status, data = send(gw, "POST", path, {**headers, "Content-Type": "application/json"}, b"{}")
        assert status == 404, (path, headers, data[:200])
        assert b'"not_found"' in data
    status, _ = send(gw, "POST", "/key/generate", {"Content-Type": "application/json"}, b"{}")
    assert status == 200  # the route itself works: only the header spelling was refused


def test_forwarded_headers_are_trusted_only_from_listed_proxies(live_gateway, pg_url):
    """Two scheme headers that disagree are refused by gunicorn only when it trusts the peer:
    ignored by default (127.0.0.1 is not trusted), honoured once FORWARDED_ALLOW_IPS lists it."""
    clash = {"X-Forwarded-Proto": "http", "X-Forwarded-Ssl": "on"}
    default = live_gateway(MODELS, {"DATABASE_URL": pg_url})
    assert send(default, "GET", "/health/liveliness", clash)[0] == 200
    listed = live_gateway(MODELS, {"DATABASE_URL": pg_url, "FORWARDED_ALLOW_IPS": "127.0.0.1"})
    assert send(listed, "GET", "/health/liveliness", clash)[0] == 400


def test_no_control_socket_unless_asked_for(live_gateway, pg_url, tmp_path):
    """gunicorn >= 25 opens a control socket at one per-user path that every instance on the host
    shares; the gateway opens none unless GATEWAY_CONTROL_SOCKET names one."""
    quiet = live_gateway(MODELS, {"DATABASE_URL": pg_url}, name="quiet")
    assert "Control socket" not in quiet.log()
    path = tmp_path / "gw.ctl"
    asked = live_gateway(MODELS, {"DATABASE_URL": pg_url, "GATEWAY_CONTROL_SOCKET": str(path)}, name="asked")
    assert path.exists(), asked.log()
