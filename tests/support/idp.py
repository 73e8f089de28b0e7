"""A real OIDC identity provider on loopback, shaped like Keycloak: discovery and a JWKS endpoint,
serving public keys generated in the test, counting fetches, able to rotate, slow down and stop;
and the authorization code flow with PKCE for the admin UI's single sign-on: an authorization
endpoint with a login form, a token endpoint (client secret, S256 verifier) issuing signed ID
tokens, and a userinfo endpoint."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.errors import SecurityWarning
from joserfc.jwk import ECKey, Key, OKPKey, RSAKey

REALM_PATH = "/realms/test"
CERTS_PATH = REALM_PATH + "/protocol/openid-connect/certs"
DISCOVERY_PATH = REALM_PATH + "/.well-known/openid-configuration"
AUTH_PATH = REALM_PATH + "/protocol/openid-connect/auth"
TOKEN_PATH = REALM_PATH + "/protocol/openid-connect/token"
USERINFO_PATH = REALM_PATH + "/protocol/openid-connect/userinfo"
AUDIENCE = "gateway"


@dataclass
class Account:
    """A person who can log in at the IdP's form; `claims` go into the ID token and userinfo."""

    password: str
    claims: dict[str, Any] = field(default_factory=dict)


@dataclass
class Grant:
    """An issued authorization code, bound to what the token request must repeat."""

    client_id: str
    redirect_uri: str
    challenge: str | None
    method: str | None
    nonce: str | None
    username: str


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
        elif path == AUTH_PATH:
            self._login_form(_query(self.path))
        elif path == USERINFO_PATH:
            claims = idp.access_tokens.get(self.headers.get("Authorization", "").removeprefix("Bearer "))
            self._send(200, claims) if claims else self._send(401, {"error": "invalid_token"})
        else:
            self._send(404, {"error": "not found"})

    def do_POST(self) -> None:
        idp = self.server.idp
        path = self.path.split("?")[0]
        idp.fetches[path] += 1
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        if path == AUTH_PATH:
            self._login(form)
        elif path == TOKEN_PATH:
            status, body = idp.exchange(form, self.headers.get("Authorization"))
            self._send(status, body)
        else:
            self._send(404, {"error": "not found"})

    def _login_form(self, params: dict[str, str], error: str = "") -> None:
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in params.items()
        )
        page = (
            "<!doctype html><html><head><title>Test IdP: sign in</title></head><body><h1>Sign in</h1>"
            f'<p id="idp-error">{html.escape(error)}</p><form method="post" action="{AUTH_PATH}">{hidden}'
            '<label>Username <input name="username" id="username"></label>'
            '<label>Password <input type="password" name="password" id="password"></label>'
            '<button type="submit" id="kc-login">Sign in</button></form></body></html>'
        ).encode()
        self.send_response(200 if not error else 401)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def _login(self, form: dict[str, str]) -> None:
        idp = self.server.idp
        params = {k: v for k, v in form.items() if k not in ("username", "password")}
        account = idp.accounts.get(form.get("username", ""))
        if account is None or not secrets.compare_digest(account.password, form.get("password", "")):
            return self._login_form(params, "Invalid username or password.")
        if params.get("response_type") != "code" or params.get("client_id") != idp.client_id:
            return self._send(400, {"error": "unauthorized_client"})
        code = idp.grant(params, form["username"])
        target = params["redirect_uri"] + "?" + urlencode({"code": code, "state": params.get("state", "")})
        self.send_response(302)
        self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _query(path: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}


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
        # The code flow (admin UI SSO): one confidential client, accounts that can log in.
        self.client_id, self.client_secret = "gateway-ui", "ui-client-secret-0001"
        self.accounts: dict[str, Account] = {}
        self.grants: dict[str, Grant] = {}
        self.access_tokens: dict[str, dict[str, Any]] = {}
        self.token_requests: list[dict[str, str]] = []  # what the gateway sent, for the PKCE checks
        self.id_token_key: SigningKey | None = None  # set: ID tokens signed by it (a forger's key)

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
            "userinfo_endpoint": base + "/userinfo",
            "jwks_uri": self.jwks_url,
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
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

    def add_account(self, username: str, password: str, **claims: Any) -> None:
        self.accounts[username] = Account(password, {"sub": username, **claims})

    def grant(self, params: dict[str, str], username: str) -> str:
        code = secrets.token_urlsafe(24)
        self.grants[code] = Grant(
            params["client_id"],
            params.get("redirect_uri", ""),
            params.get("code_challenge"),
            params.get("code_challenge_method"),
            params.get("nonce"),
            username,
        )
        return code

    def _client_ok(self, form: dict[str, str], authorization: str | None) -> bool:
        if authorization and authorization.startswith("Basic "):
            client_id, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        return client_id == self.client_id and secrets.compare_digest(secret, self.client_secret)

    def exchange(self, form: dict[str, str], authorization: str | None) -> tuple[int, dict[str, Any]]:
        """The token endpoint: a code once, for its client, redirect URI and PKCE verifier."""
        self.token_requests.append(dict(form))
        if not self._client_ok(form, authorization):
            return 401, {"error": "invalid_client"}
        grant = self.grants.pop(form.get("code", ""), None)
        if form.get("grant_type") != "authorization_code" or grant is None:
            return 400, {"error": "invalid_grant"}
        if grant.redirect_uri != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri"}
        if grant.challenge is not None:
            verifier = form.get("code_verifier", "")
            digest = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            )
            if grant.method != "S256" or digest != grant.challenge:
                return 400, {"error": "invalid_grant", "error_description": "PKCE verifier"}
        claims = self.accounts[grant.username].claims
        access = secrets.token_urlsafe(24)
        self.access_tokens[access] = dict(claims)
        id_claims = {**self.claims(aud=self.client_id, nonce=grant.nonce), **claims}
        return 200, {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": sign(
                self.id_token_key or self.keys[0], {k: v for k, v in id_claims.items() if v is not None}
            ),
        }

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
