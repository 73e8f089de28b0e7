"""allowed_ips on keys and globally (issue 16, network): CIDRs, IPv4 and IPv6, from the client's
address as headers/address.py reads it; refused with 403 in the one envelope."""

from __future__ import annotations

import json

import pytest

from tests.conftest import MASTER, auth
from tests.keys.conftest import MODELS

CHAT = {"model": "gpt-4o", "messages": []}


def chat(client, key: str, peer: str, **headers: str):
    return client.post(
        "/v1/chat/completions",
        json=CHAT,
        headers={**auth(key), **headers},
        environ_base={"REMOTE_ADDR": peer},
    )


def generate(client, **body) -> dict:
    resp = client.post("/key/generate", json=body, headers=auth(), environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert resp.status_code == 200, resp.json
    return resp.json


def refused(resp) -> None:
    assert resp.status_code == 403, resp.json
    assert resp.json["error"] == {
        "message": "Access forbidden: IP address not allowed.",
        "type": "permission_denied",
        "param": None,
        "code": "403",
    }


def test_key_allowed_ips_admit_only_its_networks(make_app):
    client = make_app(MODELS).test_client()
    made = generate(client, allowed_ips=["192.0.2.0/24", "2001:db8::/32"])
    key = made["key"]
    assert made["allowed_ips"] == ["192.0.2.0/24", "2001:db8::/32"]
    assert chat(client, key, "192.0.2.200").status_code == 200
    assert chat(client, key, "2001:db8:5::1").status_code == 200
    assert chat(client, key, "::ffff:192.0.2.3").status_code == 200  # dual-stack socket, IPv4 client
    refused(chat(client, key, "198.51.100.1"))
    refused(chat(client, key, "2001:db9::1"))
    # Other keys are not narrowed by this one's list.
    other = generate(client)["key"]
    assert chat(client, other, "198.51.100.1").status_code == 200


def test_the_ip_check_comes_before_the_keys_standing(make_app):
    """A key used from outside its networks learns nothing about it (blocked, expired, routes)."""
    client = make_app(MODELS).test_client()
    made = generate(client, allowed_ips=["192.0.2.0/24"], blocked=True)
    refused(chat(client, made["key"], "198.51.100.1"))
    assert chat(client, made["key"], "192.0.2.1").status_code == 401  # blocked, told only from inside


def test_update_sets_and_clears_allowed_ips_at_once(make_app):
    client = make_app(MODELS).test_client()
    key = generate(client)["key"]
    assert chat(client, key, "198.51.100.1").status_code == 200  # cached now
    resp = client.post("/key/update", json={"key": key, "allowed_ips": ["10.0.0.1"]}, headers=auth())
    assert resp.status_code == 200 and resp.json["allowed_ips"] == ["10.0.0.1/32"]
    refused(chat(client, key, "198.51.100.1"))
    assert chat(client, key, "10.0.0.1").status_code == 200
    resp = client.post("/key/update", json={"key": key, "allowed_ips": None}, headers=auth())
    assert resp.status_code == 200 and resp.json["allowed_ips"] == []
    assert chat(client, key, "198.51.100.1").status_code == 200
    info = client.get("/key/info", query_string={"key": key}, headers=auth()).json["info"]
    assert info["allowed_ips"] == []


@pytest.mark.parametrize(
    ("value", "why"),
    [
        (["10.0.0.0/33"], "is not an IP address or CIDR"),
        (["10.0.0.1/8"], "has host bits set; did you mean 10.0.0.0/8?"),
        (["example.com"], "is not an IP address or CIDR"),
        ([" 10.0.0.1"], "is not an IP address or CIDR"),
        (["2001:db8::/129"], "is not an IP address or CIDR"),
        ([7], "must be a list of IPv4/IPv6 addresses or CIDRs"),
        ("10.0.0.0/8", "must be a list of IPv4/IPv6 addresses or CIDRs"),
    ],
)
@pytest.mark.parametrize("path", ["/key/generate", "/key/update"])
def test_a_bad_cidr_is_a_400_naming_the_field(make_app, value, why, path):
    client = make_app(MODELS).test_client()
    body = {"allowed_ips": value}
    if path == "/key/update":
        body["key"] = generate(client)["key"]
    resp = client.post(path, json=body, headers=auth())
    assert resp.status_code == 400, resp.json
    assert resp.json["error"]["param"] == "allowed_ips"
    assert resp.json["error"]["type"] == "invalid_request_error"
    assert why in resp.json["error"]["message"]


def test_global_allowed_ips_hold_for_every_caller_before_any_key_lookup(make_app):
    config = {**MODELS, "general_settings": {"allowed_ips": ["192.0.2.0/24", "::1"]}}
    client = make_app(config).test_client()
    assert client.get("/v1/models", headers=auth(), environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    refused(client.get("/v1/models", headers=auth(), environ_base={"REMOTE_ADDR": "127.0.0.1"}))
    # Refused before the credential is even read: an unknown key, or none, from outside is a 403.
    refused(
        client.get(
            "/v1/models", headers=auth("sk-unknown-000000000000"), environ_base={"REMOTE_ADDR": "1.1.1.1"}
        )
    )
    refused(client.get("/key/list", environ_base={"REMOTE_ADDR": "1.1.1.1"}))
    assert client.get("/health/liveliness", environ_base={"REMOTE_ADDR": "1.1.1.1"}).status_code == 200
    # A key's own list narrows the global one further.
    resp = client.post(
        "/key/generate",
        json={"allowed_ips": ["192.0.2.7"]},
        headers=auth(),
        environ_base={"REMOTE_ADDR": "::1"},
    )
    key = resp.json["key"]
    assert chat(client, key, "192.0.2.7").status_code == 200
    refused(chat(client, key, "192.0.2.8"))  # allowed globally, not by the key
    refused(chat(client, key, "::1"))


def test_forwarding_headers_count_only_from_trusted_proxies(make_app):
    config = {**MODELS, "general_settings": {"trusted_proxies": ["10.0.0.0/8"]}}
    client = make_app(config).test_client()
    key = generate(client, allowed_ips=["198.51.100.0/24"])["key"]
    # Through the trusted proxy, the client it names is checked.
    assert chat(client, key, "10.0.0.5", x_forwarded_for="198.51.100.4").status_code == 200
    refused(chat(client, key, "10.0.0.5", x_forwarded_for="203.0.113.9"))
    # A client forging the header is its own peer: the forged address is not believed...
    refused(chat(client, key, "203.0.113.9", x_forwarded_for="198.51.100.4"))
    # ... nor a hop prepended to what the trusted proxy appended.
    refused(chat(client, key, "10.0.0.5", x_forwarded_for="198.51.100.4, 203.0.113.9"))
    assert chat(client, key, "10.0.0.5", forwarded="for=198.51.100.4;proto=https").status_code == 200
    resp = chat(client, key, "10.0.0.5", x_forwarded_for="198.51.100.4", forwarded="for=203.0.113.9")
    assert resp.status_code == 400 and "different clients" in resp.json["error"]["message"]


def test_without_trusted_proxies_no_header_moves_the_address(make_app):
    client = make_app(MODELS).test_client()
    key = generate(client, allowed_ips=["198.51.100.0/24"])["key"]
    refused(chat(client, key, "127.0.0.1", x_forwarded_for="198.51.100.4", forwarded="for=198.51.100.4"))


def test_master_key_is_held_to_the_global_list(make_app):
    config = {**MODELS, "general_settings": {"allowed_ips": ["10.0.0.0/8"]}}
    client = make_app(config).test_client()
    refused(client.get("/key/list", headers=auth(MASTER), environ_base={"REMOTE_ADDR": "192.0.2.1"}))
    assert (
        client.get("/key/list", headers=auth(MASTER), environ_base={"REMOTE_ADDR": "10.1.1.1"}).status_code
        == 200
    )


def test_the_cli_sets_allowed_ips_and_regenerate_keeps_them(make_app):
    app = make_app(MODELS)
    client = app.test_client()
    result = app.test_cli_runner().invoke(
        args=["keys", "generate", "--allowed-ips", "192.0.2.0/24,2001:db8::1"]
    )
    assert result.exit_code == 0, result.output
    made = json.loads(result.output)
    assert made["allowed_ips"] == ["192.0.2.0/24", "2001:db8::1/128"]
    bad = app.test_cli_runner().invoke(args=["keys", "generate", "--allowed-ips", "192.0.2.1/24"])
    assert bad.exit_code != 0 and "host bits" in bad.output
    resp = client.post("/key/regenerate", json={"key": made["key"]}, headers=auth())
    assert resp.status_code == 200, resp.json
    new = resp.json["key"]
    refused(chat(client, new, "198.51.100.1"))
    assert chat(client, new, "192.0.2.9").status_code == 200
