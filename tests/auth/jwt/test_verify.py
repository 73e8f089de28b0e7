"""Verification over HTTP: the accepted algorithms, and every forged, stale or malformed token refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest

from tests.auth.jwt.conftest import CHAT, bearer
from tests.support.idp import FakeIdP, SigningKey, sign


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(obj: dict) -> str:
    return b64(json.dumps(obj).encode())


@pytest.mark.parametrize("alg", ["rs256", "ps256", "es256", "eddsa"])
def test_token_signed_with_each_published_algorithm_is_accepted(gateway, idp, keys, alg):
    client = gateway().test_client()
    key: SigningKey = getattr(keys, alg)
    resp = client.post(
        "/v1/chat/completions", json={"model": "gpt-4o", **CHAT}, headers=bearer(idp.token(key))
    )
    assert resp.status_code == 200, resp.json
    assert resp.json["choices"][0]["message"]["content"] == "hi"


def test_access_token_type_and_missing_type_are_accepted(gateway, idp):
    client = gateway().test_client()
    for typ in ("at+jwt", "application/at+jwt", None):
        token = idp.token(header={"typ": typ})
        assert client.get("/v1/models", headers=bearer(token)).status_code == 200, typ


def test_token_without_kid_is_accepted_when_the_set_has_one_key(gateway, idp, keys):
    idp.rotate(keys.es256)
    client = gateway().test_client()
    assert client.get("/v1/models", headers=bearer(idp.token(header={"kid": None}))).status_code == 200


def test_clock_skew_within_the_leeway_is_accepted(gateway, idp):
    client = gateway().test_client()  # default leeway: 30 s
    now = int(time.time())
    token = idp.token(nbf=now + 20, iat=now + 20, exp=now - 10)
    assert client.get("/v1/models", headers=bearer(token)).status_code == 200


def _alg_none(idp: FakeIdP, keys) -> str:
    return f"{segment({'alg': 'none', 'typ': 'JWT'})}.{segment(idp.claims())}."


def _hs256_with_public_key(idp: FakeIdP, keys) -> str:
    # The classic confusion attack: the RSA public key (public, from the JWKS) used as an HMAC secret.
    secret = keys.rs256.key.as_pem(private=False)
    header = {"alg": "HS256", "kid": keys.rs256.kid, "typ": "JWT"}
    signing_input = f"{segment(header)}.{segment(idp.claims())}"
    return signing_input + "." + b64(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())


def _tampered(idp: FakeIdP, keys) -> str:
    header, _, signature = idp.token().split(".")
    return f"{header}.{segment(idp.claims(scope='litellm_proxy_admin', sub='admin'))}.{signature}"


def _other_key_same_kid(idp: FakeIdP, keys) -> str:
    return sign(SigningKey(keys.rs256.kid, "RS256", keys.stranger.key), idp.claims())


def _signed_by_encryption_key(idp: FakeIdP, keys) -> str:
    # Keycloak's RSA-OAEP key (use: enc) sits in the same JWKS: it must never verify a signature.
    return sign(SigningKey("enc-1", "RS256", keys.enc), idp.claims())


def _alg_not_matching_key(idp: FakeIdP, keys) -> str:
    # The published JWK says alg RS256; the same RSA key used with PS256 is not accepted.
    return sign(SigningKey(keys.rs256.kid, "PS256", keys.rs256.key), idp.claims())


def _twenty_kib(idp: FakeIdP, keys) -> str:
    return idp.token(padding="x" * 20 * 1024)


def now() -> int:
    return int(time.time())


REFUSED = [
    ("alg_none", _alg_none, "auth_error", "JWT algorithm is not allowed"),
    ("hs256_public_key_secret", _hs256_with_public_key, "auth_error", "JWT algorithm is not allowed"),
    ("expired", lambda i, k: i.token(exp=now() - 120), "expired_key", "JWT has expired"),
    ("nbf_beyond_leeway", lambda i, k: i.token(nbf=now() + 120), "auth_error", "not valid yet"),
    ("iat_in_future", lambda i, k: i.token(iat=now() + 120), "auth_error", "issued in the future"),
    ("no_exp", lambda i, k: i.token(exp=None), "auth_error", "JWT has no exp claim"),
    (
        "wrong_iss",
        lambda i, k: i.token(iss="http://evil.example/realms/test"),
        "auth_error",
        "issuer mismatch",
    ),
    ("no_iss", lambda i, k: i.token(iss=None), "auth_error", "JWT has no iss claim"),
    ("wrong_aud", lambda i, k: i.token(aud="another-service"), "auth_error", "JWT audience mismatch"),
    ("tampered_payload", _tampered, "auth_error", "JWT signature verification failed"),
    ("other_key_same_kid", _other_key_same_kid, "auth_error", "JWT signature verification failed"),
    ("unknown_kid", lambda i, k: i.token(k.stranger), "auth_error", "JWT key id not found"),
    ("encryption_key", _signed_by_encryption_key, "auth_error", "JWT key id not found"),
    ("alg_not_matching_key", _alg_not_matching_key, "auth_error", "JWT algorithm does not match its key"),
    ("refresh_token_type", lambda i, k: i.token(header={"typ": "Refresh"}), "auth_error", "JWT type"),
    ("nonsense_parts", lambda i, k: "abc.def.ghi", "auth_error", "JWT is malformed"),
    ("twenty_kib", _twenty_kib, "auth_error", "JWT is larger than 16 KiB"),
]


@pytest.mark.parametrize(("case", "make", "type_", "reason"), REFUSED, ids=[r[0] for r in REFUSED])
def test_bad_token_is_refused_with_a_short_reason_and_never_echoed(
    gateway, idp, keys, case, make, type_, reason
):
    client = gateway().test_client()
    token = make(idp, keys)
    resp = client.post("/v1/chat/completions", json={"model": "gpt-4o", **CHAT}, headers=bearer(token))
    assert resp.status_code == 401
    error = resp.json["error"]
    assert error["type"] == type_ and reason in error["message"], error
    body = resp.get_data(as_text=True)
    assert token not in body and token.split(".")[1] not in body


@pytest.mark.parametrize("make", [_alg_none, _hs256_with_public_key, _twenty_kib, lambda i, k: "abc.def.ghi"])
def test_token_refused_before_any_key_lookup_costs_no_idp_call(gateway, idp, keys, make):
    client = gateway().test_client()
    assert client.get("/v1/models", headers=bearer(make(idp, keys))).status_code == 401
    assert idp.certs_fetches == 0


def test_token_without_kid_is_refused_when_the_set_has_several_keys(gateway, idp):
    client = gateway().test_client()
    resp = client.get("/v1/models", headers=bearer(idp.token(header={"kid": None})))
    assert resp.status_code == 401 and "no kid" in resp.json["error"]["message"]


def test_issuer_and_audience_are_not_checked_when_unset(gateway, idp):
    client = gateway(env={"JWT_ISSUER": "", "JWT_AUDIENCE": ""}).test_client()
    token = idp.token(iss="anyone", aud="anything")
    assert client.get("/v1/models", headers=bearer(token)).status_code == 200
    assert client.get("/v1/models", headers=bearer(idp.token(exp=None))).status_code == 401  # exp always
