"""JWT verification (RFC 7519, RFC 9068 `at+jwt`) with joserfc: algorithm, key, signature, claims."""

from __future__ import annotations

from typing import Any

from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ExpiredTokenError,
    InvalidClaimError,
    InvalidKeyCurveError,
    InvalidKeyTypeError,
    JoseError,
    MissingClaimError,
    UnsupportedAlgorithmError,
)
from joserfc.jwk import Key
from joserfc.jws import JWSRegistry

from ...errors import AuthError, ExpiredKey
from .jwks import JwksStore, UnknownKey
from .settings import JwtSettings

# Asymmetric only: `none` and HS* (whose "secret" an attacker could take from the public JWKS) never.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
MAX_TOKEN_CHARS = 16 * 1024
TYPES = frozenset({"jwt", "at+jwt"})  # RFC 7515 §4.1.9: case-insensitive, `application/` optional
CLAIM_REASONS = {
    "iss": "JWT issuer mismatch",
    "aud": "JWT audience mismatch",
    "nbf": "JWT is not valid yet",
    "iat": "JWT was issued in the future",
    "exp": "JWT expiry is not a number",
}


class _Registry(JWSRegistry):
    """The allow-list above, and nothing else; a header may carry extra names (crit is still honoured)."""

    max_header_length = 2048

    def get_alg(self, name: str) -> Any:
        # Overridden so that EdDSA, allowed here on purpose, does not warn on every token (RFC 9864
        # deprecates the polymorphic name for new specs; IdPs still issue it).
        if name not in ALGORITHMS:
            raise UnsupportedAlgorithmError(f"Algorithm of '{name}' is not allowed")
        return self.algorithms[name]


REGISTRY = _Registry(algorithms=ALGORITHMS, strict_check_header=False)


def _media_type(typ: str) -> str:
    return typ.lower().removeprefix("application/")


def looks_like_jwt(value: str) -> bool:
    """API.md §4: the JWT link claims three dot-separated parts; `sk-` keys are never JWTs."""
    return value.count(".") == 2 and not value.startswith("sk-")


class Verifier:
    def __init__(self, settings: JwtSettings, store: JwksStore) -> None:
        self.store = store
        options: dict[str, Any] = {"exp": {"essential": True}}
        if settings.issuer is not None:
            options["iss"] = {"essential": True, "value": settings.issuer}
        if settings.audience is not None:
            options["aud"] = {"essential": True, "value": settings.audience}
        self.claims_registry = jwt.JWTClaimsRegistry(leeway=settings.leeway, **options)

    def _key(self, obj: Any) -> Key:
        """Called by joserfc once the algorithm passed the allow-list: pick the key by `kid`."""
        header = obj.headers()
        typ = header.get("typ")
        if typ is not None and (not isinstance(typ, str) or _media_type(typ) not in TYPES):
            raise AuthError("JWT type is not JWT or at+jwt")
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise AuthError("JWT kid is not a string")
        try:
            key = self.store.key_for(kid)
        except UnknownKey:
            raise AuthError(
                "JWT key id not found" if kid else "JWT has no kid and there are several keys"
            ) from None
        if key.get("alg") not in (None, header["alg"]):
            raise AuthError("JWT algorithm does not match its key")
        return key

    def verify(self, token: str) -> dict[str, Any]:
        """The token's claims, or AuthError/ExpiredKey (a short reason, never the token)."""
        if len(token) > MAX_TOKEN_CHARS:
            raise AuthError("JWT is larger than 16 KiB")
        try:
            claims = jwt.decode(token, self._key, algorithms=ALGORITHMS, registry=REGISTRY).claims
        except BadSignatureError:
            raise AuthError("JWT signature verification failed") from None
        except UnsupportedAlgorithmError:
            raise AuthError("JWT algorithm is not allowed") from None
        except (InvalidKeyTypeError, InvalidKeyCurveError):
            raise AuthError("JWT algorithm does not match its key") from None
        except (JoseError, ValueError, TypeError):
            raise AuthError("JWT is malformed") from None
        try:
            self.claims_registry.validate(claims)
        except ExpiredTokenError:
            raise ExpiredKey("JWT has expired") from None
        except MissingClaimError as exc:
            raise AuthError(f"JWT has no {exc.claim.replace(',', ', ')} claim") from None
        except InvalidClaimError as exc:
            raise AuthError(CLAIM_REASONS.get(exc.claim, f"JWT claim {exc.claim} is invalid")) from None
        return claims
