"""JWT fixtures: keys generated once per session, a loopback IdP per test, gateways that trust it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from joserfc.jwk import Key, RSAKey

from tests.support.idp import AUDIENCE, FakeIdP, SigningKey, make_key

MODELS = [
    {"model_name": "gpt-4o", "litellm_params": {"model": "openai/gpt-4o", "mock_response": "hi"}},
    {"model_name": "gpt-4o-mini", "litellm_params": {"model": "openai/gpt-4o-mini", "mock_response": "hi"}},
]
CHAT = {"messages": [{"role": "user", "content": "hello"}]}


@dataclass(frozen=True)
class Keys:
    rs256: SigningKey
    ps256: SigningKey
    es256: SigningKey
    eddsa: SigningKey
    rs256_next: SigningKey  # what the IdP rotates to
    stranger: SigningKey  # a key the IdP never published
    enc: Key  # published with use=enc, as Keycloak does


@pytest.fixture(scope="session")
def keys() -> Keys:
    return Keys(
        rs256=make_key("RS256", "rs256-1"),
        ps256=make_key("PS256", "ps256-1"),
        es256=make_key("ES256", "es256-1"),
        eddsa=make_key("EdDSA", "eddsa-1"),
        rs256_next=make_key("RS256", "rs256-2"),
        stranger=make_key("RS256", "stranger"),
        enc=RSAKey.generate_key(2048),
    )


@pytest.fixture
def idp(keys: Keys) -> Iterator[FakeIdP]:
    server = FakeIdP([keys.rs256, keys.ps256, keys.es256, keys.eddsa], enc_key=keys.enc).start()
    yield server
    server.stop()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def gateway(make_app: Callable[..., Flask], idp: FakeIdP) -> Callable[..., Flask]:
    """An app with JWT auth on, trusting `idp` (issuer and audience checked unless env overrides)."""

    def build(
        jwt_auth: dict[str, Any] | None = None,
        urls: list[str] | None = None,
        env: dict[str, str] | None = None,
    ) -> Flask:
        environ = {
            "JWT_PUBLIC_KEY_URL": ",".join(urls or [idp.jwks_url]),
            "JWT_ISSUER": idp.issuer,
            "JWT_AUDIENCE": AUDIENCE,
            **(env or {}),
        }
        general = {"enable_jwt_auth": True, "litellm_jwtauth": jwt_auth or {}}
        return make_app(
            {"model_list": MODELS, "general_settings": general}, {k: v for k, v in environ.items() if v}
        )

    return build
