"""The session cookie's `Secure` flag behind a TLS-terminating proxy, as operators run the gateway
(gunicorn): X-Forwarded-Proto counts only from an address in FORWARDED_ALLOW_IPS."""

from __future__ import annotations

import requests


def _login_cookie(url: str, proto: str | None) -> str:
    headers = {"Accept": "text/html", **({"X-Forwarded-Proto": proto} if proto else {})}
    resp = requests.get(url + "/ui/login", headers=headers, timeout=10)
    assert resp.status_code == 200
    return resp.headers["Set-Cookie"]


def test_a_trusted_proxys_https_makes_the_cookie_secure(live_gateway):
    gw = live_gateway({}, {"FORWARDED_ALLOW_IPS": "127.0.0.1"})
    assert "Secure" in _login_cookie(gw.url, "https")
    assert "Secure" not in _login_cookie(gw.url, None)  # plain http straight to the gateway


def test_an_untrusted_x_forwarded_proto_is_ignored(live_gateway):
    gw = live_gateway({}, {"FORWARDED_ALLOW_IPS": "10.9.9.9"})
    assert "Secure" not in _login_cookie(gw.url, "https")
