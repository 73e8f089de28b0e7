"""A real OIDC identity provider on loopback, shaped like Keycloak: discovery and a JWKS endpoint,
serving public keys generated in the test, counting fetches, able to rotate, slow down and stop."""

from __future__ import annotations

import json
import threading
import time
import warnings
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from joserfc import jwt
from joserfc.errors import SecurityWarning
from joserfc.jwk import ECKey, Key, OKPKey, RSAKey

REALM_PATH = "/realms/test"
CERTS_PATH = REALM_PATH + "/protocol/openid-connect/certs"
DISCOVERY_PATH = REALM_PATH + "/.well-known/openid-configuration"
AUDIENCE = "gateway"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    alg: str
    key: Key  # private

    def public(self) -> dict[str, Any]:
        return {**self.key.as_dict(private=False), "kid": self.kid, "alg": self.alg, "use": "sig"}


def make_key(alg: str, kid: str | None = None) -> SigningKey:
    if alg.startswith(("RS", "PS")):
        key: Key = RSAKey.generate_key(2048)
    elif alg == "ES256":
        key = ECKey.generate_key("P-256")
    elif alg == "EdDSA":
        key = OKPKey.generate_key("Ed25519")
    else:
        raise ValueError(alg)
    return SigningKey(kid or f"{alg.lower()}-{id(key):x}", alg, key)


def sign(key: SigningKey, claims: dict[str, Any], header: dict[str, Any] | None = None) -> str:
    """A compact JWS; `header` overrides the default {alg, kid, typ}."""
    head = {"alg": key.alg, "kid": key.kid, "typ": "JWT", **(header or {})}
    head = {k: v for k, v in head.items() if v is not None}
    with warnings.catch_warnings():  # joserfc warns that RFC 9864 deprecates the name EdDSA
        warnings.simplefilter("ignore", SecurityWarning)
        return jwt.encode(head, claims, key.key, algorithms=[head["alg"]], default_type=None)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        idp = self.server.idp
        path = self.path.split("?")[0]
        idp.fetches[path] += 1
        if path == DISCOVERY_PATH:
            self._send(200, idp.discovery())
        elif path == CERTS_PATH:
            if idp.delay:
                idp.stopping.wait(idp.delay)
            self._send(idp.status, idp.jwks() if idp.status == 200 else {"error": "unavailable"})
        else:
            self._send(404, {"error": "not found"})

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    idp: FakeIdP


class FakeIdP:
    def __init__(self, keys: list[SigningKey], enc_key: Key | None = None) -> None:
        self.keys = list(keys)
        self.enc_key = enc_key  # Keycloak publishes an RSA-OAEP encryption key beside the signing keys
        self.fetches: Counter[str] = Counter()
        self.delay = 0.0  # before answering the JWKS; cut short by stop()
        self.stopping = threading.Event()
        self.status = 200
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.idp = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._running = False

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}{REALM_PATH}"

    @property
    def jwks_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{CERTS_PATH}"

    @property
    def discovery_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{DISCOVERY_PATH}"

    @property
    def certs_fetches(self) -> int:
        return self.fetches[CERTS_PATH]

    def discovery(self) -> dict[str, Any]:
        base = self.issuer + "/protocol/openid-connect"
        return {
            "issuer": self.issuer,
            "authorization_endpoint": base + "/auth",
            "token_endpoint": base + "/token",
            "jwks_uri": self.jwks_url,
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256", "PS256", "ES256", "EdDSA"],
        }

    def jwks(self) -> dict[str, Any]:
        keys = [k.public() for k in self.keys]
        if self.enc_key is not None:
            enc = {**self.enc_key.as_dict(private=False), "kid": "enc-1", "alg": "RSA-OAEP", "use": "enc"}
            keys.append(enc)
        return {"keys": keys}

    def rotate(self, *keys: SigningKey) -> None:
        """The IdP now publishes only `keys`."""
        self.keys = list(keys)

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": AUDIENCE, "sub": "user-1", "iat": now, "exp": now + 300}
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def token(
        self, key: SigningKey | None = None, header: dict[str, Any] | None = None, **claims: Any
    ) -> str:
        """A token signed by `key` (default: the first published key) with default claims + `claims`."""
        return sign(key or self.keys[0], self.claims(**claims), header)

    def start(self) -> FakeIdP:
        self._thread.start()
        self._running = True
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._running:
            self._running = False
            self._server.shutdown()
            self._server.server_close()
