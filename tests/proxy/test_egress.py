"""Egress as corporate networks need it: HTTPS_PROXY (a CONNECT tunnel), HTTP_PROXY, NO_PROXY, a
custom CA bundle (SSL_CERT_FILE / REQUESTS_CA_BUNDLE / ssl_verify: path) and ssl_verify: false,
each against a loopback TLS upstream whose certificate a throwaway CA signed."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading

import pytest

from gateway.proxy.address import AddressPolicy
from gateway.proxy.egress import Egress, Proxy, tls_context
from gateway.proxy.upstream import ConnectFailed, UpstreamClient
from gateway.settings import ConfigError, load_settings
from tests.conftest import auth, model_entry
from tests.support.rawhttp import Peer, RawServer
from tests.support.tls import TestCA

HEADERS = {"Content-Type": "application/json"}
BODY = b'{"model":"m","messages":[]}'
OK = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}'


class ConnectProxy:
    """An HTTP CONNECT proxy on loopback: records each CONNECT head, then pipes bytes both ways
    (or answers `refuse`, e.g. 407, and closes)."""

    def __init__(self, refuse: int | None = None) -> None:
        self.heads: list[bytes] = []
        self.refuse = refuse
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            data = client.recv(4096)
            if not data:
                return client.close()
            head += data
        self.heads.append(head)
        method, authority, _ = head.split(b"\r\n", 1)[0].decode().split(" ")
        if self.refuse or method != "CONNECT":
            client.sendall(f"HTTP/1.1 {self.refuse or 405} No\r\nContent-Length: 0\r\n\r\n".encode())
            return client.close()
        host, _, port = authority.rpartition(":")
        upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=5)
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):  # one side ended: end both, and free their descriptors
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()

    def close(self) -> None:
        self._listener.close()


@pytest.fixture
def ca(tmp_path):
    return TestCA(tmp_path)


@pytest.fixture
def tls_upstream(ca):
    """A TLS upstream for `localhost` (the names its CA-signed certificate holds) that records the
    SNI name each handshake asked for."""
    context = ca.server_context(("localhost",))
    names: list[str | None] = []
    context.sni_callback = lambda sock, name, ctx: names.append(name)

    def handler(peer: Peer, index: int) -> None:
        try:
            peer.sock = context.wrap_socket(peer.sock, server_side=True)
        except (ssl.SSLError, OSError):
            return  # the client refused our certificate
        with peer.sock:
            while peer.read_request() is not None:
                peer.send(OK)

    server = RawServer(handler)
    server.sni = names
    yield server
    server.close()


@pytest.fixture
def clients():
    made: list[UpstreamClient] = []

    def make(environ: dict[str, str] | None = None, raw: dict | None = None, **kw) -> UpstreamClient:
        transport = load_settings(raw=raw or {}, environ=environ or {}).transport
        made.append(
            UpstreamClient(ssl_context=tls_context(transport), egress=Egress.from_settings(transport), **kw)
        )
        return made[-1]

    yield make
    for c in made:
        c.clear()


def url(server: RawServer, host: str = "localhost") -> str:
    return f"https://{host}:{server.port}/v1/chat/completions"


def ok(client: UpstreamClient, target: str, **kw) -> bool:
    return client.send(target, BODY, HEADERS, 5, stream=False, **kw).body() == b'{"ok":true}'


def test_https_goes_through_the_proxy_in_a_connect_tunnel_verified_on_the_host_name(
    ca, tls_upstream, clients
):
    proxy = ConnectProxy()
    try:
        env = {
            "HTTPS_PROXY": f"http://corp%40user:p%3Ass@127.0.0.1:{proxy.port}",
            "SSL_CERT_FILE": str(ca.ca_path),
        }
        client = clients(env)
        for _ in range(2):
            assert ok(client, url(tls_upstream))
        assert len(proxy.heads) == 1  # one tunnel, kept alive like a direct connection
        head = proxy.heads[0].decode()
        assert head.startswith(f"CONNECT localhost:{tls_upstream.port} HTTP/1.1\r\n")
        assert "Proxy-Authorization: Basic Y29ycEB1c2VyOnA6c3M=\r\n" in head  # corp@user:p:ss
        assert tls_upstream.sni == ["localhost"]  # TLS runs end to end, on the origin's name
    finally:
        proxy.close()


def test_a_client_chosen_base_is_tunnelled_to_the_address_that_was_checked(ca, tls_upstream, clients):
    proxy = ConnectProxy()
    try:
        env = {"HTTPS_PROXY": f"127.0.0.1:{proxy.port}", "REQUESTS_CA_BUNDLE": str(ca.ca_path)}
        client = clients(env, policy=AddressPolicy(["127.0.0.0/8"]))
        assert ok(client, url(tls_upstream), client_chosen=True)
        # The proxy is told the IP address.py allowed, never a name its own DNS could rebind.
        assert proxy.heads[0].startswith(f"CONNECT 127.0.0.1:{tls_upstream.port} ".encode())
        assert tls_upstream.sni == ["localhost"]
    finally:
        proxy.close()


def test_a_proxy_refusing_the_tunnel_is_a_connect_failure(ca, tls_upstream, clients, caplog):
    proxy = ConnectProxy(refuse=407)
    try:
        client = clients(
            {"HTTPS_PROXY": f"http://u:pw@127.0.0.1:{proxy.port}", "SSL_CERT_FILE": str(ca.ca_path)}
        )
        with pytest.raises(ConnectFailed):  # nothing reached the upstream: the next deployment may
            client.send(url(tls_upstream), BODY, HEADERS, 5, stream=False)
        assert tls_upstream.accepted == 0
        assert f"proxy 127.0.0.1:{proxy.port} answered CONNECT with 407" in caplog.text
        assert "pw" not in caplog.text  # the proxy's credentials are never logged
    finally:
        proxy.close()


def test_no_proxy_hosts_are_reached_directly(ca, tls_upstream, clients):
    proxy = ConnectProxy()
    try:
        env = {
            "https_proxy": f"http://127.0.0.1:{proxy.port}",
            "no_proxy": "example.com, localhost",
            "SSL_CERT_FILE": str(ca.ca_path),
        }
        assert ok(clients(env), url(tls_upstream))
        assert proxy.heads == [] and tls_upstream.accepted == 1
    finally:
        proxy.close()


@pytest.mark.parametrize(
    ("no_proxy", "host", "exempt"),
    [
        ("example.com", "api.example.com", True),
        (".example.com", "example.com", True),
        ("example.com", "badexample.com", False),
        ("10.0.0.0/8", "10.1.2.3", True),
        ("10.0.0.0/8", "11.1.2.3", False),
        ("*", "api.openai.com", True),
        ("api.openai.com:8443", "api.openai.com", False),  # another port
        ("", "localhost", False),
    ],
)
def test_no_proxy_matching(no_proxy, host, exempt):
    egress = Egress(https=Proxy("proxy.corp", 3128), no_proxy=no_proxy)
    assert (egress.proxy_for("https", host, 443) is None) is exempt
    assert Egress(https=Proxy("proxy.corp", 3128)).proxy_for("http", host, 80) is None  # no HTTP_PROXY


def test_http_goes_to_the_http_proxy_in_absolute_form():
    seen: list[bytes] = []

    def proxy(peer: Peer, index: int) -> None:
        while (request := peer.read_request()) is not None:
            seen.append(request)
            peer.send(OK)

    server = RawServer(proxy)
    transport = load_settings(
        raw={}, environ={"HTTP_PROXY": f"http://u:pw@127.0.0.1:{server.port}"}
    ).transport
    client = UpstreamClient(egress=Egress.from_settings(transport))
    try:
        assert ok(client, "http://upstream.internal:8000/v1/chat/completions?x=1")
        head = seen[0].decode("latin-1")
        assert head.startswith("POST http://upstream.internal:8000/v1/chat/completions?x=1 HTTP/1.1\r\n")
        assert (
            "Host: upstream.internal:8000\r\n" in head and "Proxy-Authorization: Basic dTpwdw==\r\n" in head
        )
    finally:
        client.clear()
        server.close()


@pytest.mark.parametrize("source", ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "ssl_verify"])
def test_a_custom_ca_bundle_is_trusted_instead_of_the_system_store(ca, tls_upstream, clients, source):
    raw = {"litellm_settings": {"ssl_verify": str(ca.ca_path)}} if source == "ssl_verify" else None
    env = {} if raw else {source: str(ca.ca_path)}
    assert ok(clients(env, raw), url(tls_upstream))
    with pytest.raises(ConnectFailed):  # the system's store does not know the test CA
        clients().send(url(tls_upstream), BODY, HEADERS, 5, stream=False)


def test_the_host_name_is_still_verified_with_a_custom_bundle(ca, tls_upstream, clients):
    with pytest.raises(ConnectFailed):  # the certificate is for localhost, not 127.0.0.1
        clients({"SSL_CERT_FILE": str(ca.ca_path)}).send(
            url(tls_upstream, "127.0.0.1"), BODY, HEADERS, 5, False
        )


@pytest.mark.parametrize(
    ("raw", "env"),
    [({"litellm_settings": {"ssl_verify": False}}, {}), ({}, {"SSL_VERIFY": "False"})],
)
def test_ssl_verify_false_accepts_an_unknown_ca_and_another_name(tls_upstream, clients, raw, env):
    client = clients(env, raw)
    assert ok(client, url(tls_upstream))
    assert ok(client, url(tls_upstream, "127.0.0.1"))


@pytest.mark.parametrize(
    ("raw", "env", "where"),
    [
        ({"litellm_settings": {"ssl_verify": 1}}, {}, "litellm_settings.ssl_verify"),
        ({"litellm_settings": {"ssl_verify": "/nonexistent/ca.pem"}}, {}, "litellm_settings.ssl_verify"),
        ({}, {"SSL_CERT_FILE": "/nonexistent/ca.pem"}, "SSL_CERT_FILE"),
        ({}, {"HTTPS_PROXY": "socks5://127.0.0.1:1080"}, "HTTPS_PROXY"),
        ({}, {"http_proxy": "http://proxy:notaport"}, "HTTP_PROXY"),
    ],
)
def test_bad_transport_settings_fail_the_start_and_name_the_key(raw, env, where):
    with pytest.raises(ConfigError) as err:
        load_settings(raw=raw, environ=env)
    assert where in str(err.value)


def test_the_gateway_reaches_its_deployments_through_the_configured_proxy_and_ca(ca, tls_upstream, make_app):
    """The wiring: the environment (here the config's environment_variables) reaches the client."""
    proxy = ConnectProxy()
    try:
        config = {
            "model_list": [model_entry("gpt-4o", f"https://localhost:{tls_upstream.port}/v1")],
            "environment_variables": {
                "HTTPS_PROXY": f"127.0.0.1:{proxy.port}",
                "SSL_CERT_FILE": str(ca.ca_path),
            },
        }
        client = make_app(config).test_client()
        resp = client.post("/v1/chat/completions", json={"model": "gpt-4o", "messages": []}, headers=auth())
        assert resp.status_code == 200, resp.json
        assert len(proxy.heads) == 1 and tls_upstream.sni == ["localhost"]
    finally:
        proxy.close()
