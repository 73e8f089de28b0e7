"""The address policy of a client-chosen api_base: public addresses only unless
`clientside_api_base_allowed_hosts` allows more, every resolved address checked, the connection
made to the checked one, and one answer for every refused or unreachable target."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
import requests

from gateway.proxy.address import AddressPolicy, Refused
from gateway.settings import ConfigError, load_settings
from tests.conftest import auth, model_entry
from tests.support.net import closed_port
from tests.support.rawhttp import Peer, RawServer
from tests.support.upstream import FakeUpstream

CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
UNREACHABLE = "The upstream at the client's api_base could not be reached."

REFUSED = [
    "127.0.0.1",
    "127.3.2.1",
    "localhost",
    "2130706433",  # 127.0.0.1 in decimal
    "0177.0.0.1",  # ...in octal
    "0x7f.0.0.1",  # ...in hex
    "127.1",
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # shared address space
    "0.0.0.0",
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "ff02::1",
    "ff0e::1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
]


@pytest.mark.parametrize("host", REFUSED)
def test_non_public_addresses_are_refused_in_every_spelling(host):
    with pytest.raises(Refused):
        AddressPolicy().address_for(host, 443)


@pytest.mark.parametrize("host", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_are_allowed(host):
    assert AddressPolicy().address_for(host, 443) == host


def test_the_allow_list_takes_networks_and_host_names():
    assert AddressPolicy(["127.0.0.0/8"]).address_for("2130706433", 80) == "127.0.0.1"
    assert AddressPolicy(["127.0.0.0/8"]).address_for("::ffff:127.0.0.1", 80) == "::ffff:127.0.0.1"
    assert AddressPolicy(["localhost"]).address_for("LocalHost", 80) in ("127.0.0.1", "::1")
    assert AddressPolicy(["10.0.0.0/8"]).address_for("10.1.2.3", 80) == "10.1.2.3"
    with pytest.raises(Refused):
        AddressPolicy(["10.0.0.0/8"]).address_for("192.168.0.1", 80)


@pytest.fixture
def dns(monkeypatch) -> Iterator[dict[str, list[list[str]]]]:
    """Names under .test resolve to what the test says (one answer list per lookup, the last
    repeated); every other lookup goes to the real resolver. `lookups` counts them."""
    answers: dict[str, list[list[str]]] = {}
    real = socket.getaddrinfo
    lookups: dict[str, int] = {}

    def fake(host, port, *args, **kwargs):
        if isinstance(host, str) and host.endswith(".test"):
            lookups[host] = lookups.get(host, 0) + 1
            queue = answers[host]
            addrs = queue.pop(0) if len(queue) > 1 else queue[0]
            return [
                (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
                for a in addrs
            ]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    answers["lookups"] = lookups  # type: ignore[assignment]
    yield answers


def test_every_resolved_address_is_checked(dns):
    dns["mixed.test"] = [["8.8.8.8", "10.0.0.1"]]
    with pytest.raises(Refused, match=r"10\.0\.0\.1"):
        AddressPolicy().address_for("mixed.test", 443)


# --- through the gateway ------------------------------------------------------------------------


@pytest.fixture
def chosen() -> Iterator[FakeUpstream]:
    fake = FakeUpstream("B").start()
    yield fake
    fake.stop()


def app_with(make_app, upstream, allowed=None, timeout=5):
    entry = model_entry(
        "gpt-4o", upstream.base, configurable_clientside_auth_params=["api_base"], timeout=timeout
    )
    general = {"clientside_api_base_allowed_hosts": allowed} if allowed is not None else {}
    return make_app({"model_list": [entry], "general_settings": general})


def post(app, base):
    return app.test_client().post("/v1/chat/completions", json={**CHAT, "api_base": base}, headers=auth())


def test_a_loopback_api_base_is_refused_by_default_in_every_spelling(make_app, upstream, chosen):
    app = app_with(make_app, upstream)
    port = chosen.port
    for host in ("127.0.0.1", "2130706433", "[::ffff:127.0.0.1]", "localhost", "127.1"):
        resp = post(app, f"http://{host}:{port}/v1")
        assert resp.status_code == 502, (host, resp.json)
        assert resp.json["error"] == {
            "message": UNREACHABLE,
            "type": "upstream_error",
            "param": None,
            "code": "502",
        }
    assert chosen.received == [] and upstream.received == []


def test_refused_closed_silent_and_non_http_targets_get_one_same_answer(make_app, upstream):
    def banner(peer: Peer, index: int) -> None:
        peer.send(b"SSH-2.0-OpenSSH_9.6\r\n")
        peer.sock.close()

    stop = threading.Event()

    def silent(peer: Peer, index: int) -> None:
        stop.wait(5)

    servers = [RawServer(banner), RawServer(silent)]
    try:
        app = app_with(make_app, upstream, allowed=["127.0.0.0/8"], timeout=0.5)
        bases = [
            "http://10.255.255.1/v1",  # private: refused before any connect
            "http://169.254.169.254/v1",
            f"http://127.0.0.1:{closed_port()}/v1",
            f"http://127.0.0.1:{servers[0].port}/v1",
            f"http://127.0.0.1:{servers[1].port}/v1",
        ]
        answers = [post(app, base) for base in bases]
        assert {(r.status_code, r.get_data()) for r in answers} == {(502, answers[0].get_data())}
        assert answers[0].json["error"]["message"] == UNREACHABLE
    finally:
        stop.set()
        for s in servers:
            s.close()


def test_an_allowed_network_or_host_name_is_reached(make_app, upstream, chosen):
    for allowed, host in ((["127.0.0.0/8"], "127.0.0.1"), (["localhost"], "localhost")):
        app = app_with(make_app, upstream, allowed=allowed)
        resp = post(app, f"http://{host}:{chosen.port}/v1")
        assert resp.status_code == 200, resp.json
    assert len(chosen.received) == 2 and upstream.received == []


def test_the_connection_goes_to_the_checked_address_not_a_second_lookup(make_app, upstream, chosen, dns):
    # Rebinding: the first answer passes the check, any later one points elsewhere (a closed port's
    # host would do; an address nothing answers on makes it plain).
    dns["rebind.test"] = [["127.0.0.1"], ["10.255.255.1"]]
    app = app_with(make_app, upstream, allowed=["127.0.0.0/8"], timeout=2)
    resp = post(app, f"http://rebind.test:{chosen.port}/v1")
    assert resp.status_code == 200, resp.json
    assert dns["lookups"]["rebind.test"] == 1
    assert chosen.received[-1].headers["host"] == f"rebind.test:{chosen.port}"  # the name, as sent
    dns["late.test"] = [["8.8.8.8", "127.0.0.1"]]  # public first, loopback too: refused
    assert post(app, f"http://late.test:{chosen.port}/v1").status_code == 502


def test_configured_api_bases_are_not_subject_to_the_policy(client, upstream):
    # The operator's own deployments on loopback/private addresses keep working.
    assert client.post("/v1/chat/completions", json=CHAT, headers=auth()).status_code == 200


@pytest.mark.parametrize("entry", ["not a host", "10.0.0.0/33", "", 5, "http://x"])
def test_a_bad_allow_list_entry_stops_start_up(entry):
    raw = {"general_settings": {"clientside_api_base_allowed_hosts": [entry]}}
    with pytest.raises(ConfigError, match=r"clientside_api_base_allowed_hosts\[0\]"):
        load_settings(raw=raw, environ={})


def test_allow_list_entries_are_normalised():
    raw = {"general_settings": {"clientside_api_base_allowed_hosts": ["10.1.2.3/8", "VLLM.internal.", "::1"]}}
    s = load_settings(raw=raw, environ={})
    assert s.clientside_api_base_allowed_hosts == ("10.0.0.0/8", "vllm.internal", "::1/128")


def test_the_policy_holds_in_a_live_gevent_gateway(live_gateway, pg_url, upstream, chosen):
    # Under gunicorn's gevent workers the lookup goes through gevent's resolver, within its timeout.
    entry = model_entry("gpt-4o", upstream.base, configurable_clientside_auth_params=["api_base"])
    config = {"model_list": [entry], "general_settings": {"clientside_api_base_allowed_hosts": ["localhost"]}}
    gw = live_gateway(config, {"DATABASE_URL": pg_url})

    def call(base: str):
        body = {**CHAT, "api_base": base}
        return requests.post(gw.url + "/v1/chat/completions", json=body, headers=auth(), timeout=10)

    allowed = call(f"http://localhost:{chosen.port}/v1")
    assert allowed.status_code == 200, allowed.text
    refused = call(f"http://127.0.0.1:{chosen.port}/v1")
    assert refused.status_code == 502 and refused.json()["error"]["message"] == UNREACHABLE
    assert len(chosen.received) == 1
