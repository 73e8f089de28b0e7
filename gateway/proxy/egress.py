"""Where upstream connections go and how their certificates are checked: the egress proxy of
HTTPS_PROXY / HTTP_PROXY unless NO_PROXY exempts the host, and the TLS context of ssl_verify and
the CA bundle (settings/deployments.py reads and validates all of them at start)."""

from __future__ import annotations

import base64
import ipaddress
import os
import ssl
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit
from urllib.request import proxy_bypass_environment

from ..settings.deployments import Transport


@dataclass(frozen=True, slots=True)
class Proxy:
    """An HTTP proxy: CONNECT tunnels for https origins, absolute-form requests for http ones."""

    host: str
    port: int
    authorization: str | None = None  # the Proxy-Authorization value, from user:password in the URL

    @classmethod
    def from_url(cls, url: str) -> Proxy:
        parts = urlsplit(url if "://" in url else f"http://{url}")
        auth = None
        if parts.username is not None:
            pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
            auth = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
        return cls(parts.hostname or "", parts.port or 80, auth)

    def __repr__(self) -> str:  # never the credentials
        return f"Proxy({self.host}:{self.port})"


class Egress:
    """The proxy (or None) of each origin, per NO_PROXY: `*`, host names matching themselves and
    their subdomains (a leading dot optional, `:port` optional), IP addresses and CIDR ranges."""

    def __init__(self, https: Proxy | None = None, http: Proxy | None = None, no_proxy: str = "") -> None:
        self._proxies = {"https": https, "http": http}
        entries = [e.strip() for e in no_proxy.split(",") if e.strip()]
        self._networks = []
        names = []
        for entry in entries:
            try:
                self._networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                names.append(entry)
        self._no_proxy = ",".join(names)

    @classmethod
    def from_settings(cls, transport: Transport) -> Egress:
        https, http = transport.https_proxy, transport.http_proxy
        return cls(
            Proxy.from_url(https) if https else None,
            Proxy.from_url(http) if http else None,
            transport.no_proxy,
        )

    def proxy_for(self, scheme: str, host: str, port: int) -> Proxy | None:
        proxy = self._proxies.get(scheme)
        if proxy is None or self._exempt(host, port):
            return None
        return proxy

    def _exempt(self, host: str, port: int) -> bool:
        if self._networks:
            try:
                address = ipaddress.ip_address(host)
            except ValueError:
                pass
            else:
                if any(address in net for net in self._networks):
                    return True
        # The standard library's matching, as urllib and requests apply it: suffixes and ports.
        return bool(self._no_proxy) and proxy_bypass_environment(f"{host}:{port}", {"no": self._no_proxy})


def tls_context(transport: Transport) -> ssl.SSLContext:
    """Certificates and host names verified against the CA bundle (else the system's store);
    with ssl_verify false, neither (LiteLLM's meaning: for test setups and broken chains)."""
    bundle = transport.ca_bundle
    if bundle is None:
        context = ssl.create_default_context()
    elif os.path.isdir(bundle):
        context = ssl.create_default_context(capath=bundle)
    else:
        context = ssl.create_default_context(cafile=bundle)
    if not transport.ssl_verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context
