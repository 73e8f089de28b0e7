"""API.md §3: every header of the priority table, precedence, and malformed Authorization."""

from __future__ import annotations

import itertools

import pytest

from gateway.errors import AuthError
from gateway.headers import hash_secret, header_table, mask, read_credential

TABLE = header_table(None)
ORDER = [
    ("HTTP_X_LITELLM_API_KEY", "x-litellm-api-key"),
    ("HTTP_AUTHORIZATION", "Authorization"),
    ("HTTP_API_KEY", "API-Key"),
    ("HTTP_X_API_KEY", "x-api-key"),
    ("HTTP_X_GOOG_API_KEY", "x-goog-api-key"),
    ("HTTP_OCP_APIM_SUBSCRIPTION_KEY", "Ocp-Apim-Subscription-Key"),
]


def value_for(env_key: str, secret: str) -> str:
    return f"Bearer {secret}" if env_key == "HTTP_AUTHORIZATION" else secret


@pytest.mark.parametrize(("env_key", "header"), ORDER)
def test_each_header_alone_is_read(env_key, header):
    cred = read_credential({env_key: value_for(env_key, "sk-abc123456789")}, TABLE)
    assert cred.value == "sk-abc123456789" and cred.header == header
    assert cred.hash == hash_secret("sk-abc123456789")


@pytest.mark.parametrize(("higher", "lower"), list(itertools.combinations(ORDER, 2)))
def test_higher_priority_header_wins(higher, lower):
    env = {higher[0]: value_for(higher[0], "sk-high"), lower[0]: value_for(lower[0], "sk-low")}
    assert read_credential(env, TABLE).value == "sk-high"


def test_configured_header_goes_first_raw_or_bearer():
    table = header_table("X-Gateway-Key")
    env = {
        "HTTP_X_GATEWAY_KEY": "sk-custom",
        "HTTP_X_LITELLM_API_KEY": "sk-other",
        "HTTP_AUTHORIZATION": "Bearer sk-x",
    }
    assert read_credential(env, table).value == "sk-custom"
    env["HTTP_X_GATEWAY_KEY"] = "Bearer sk-custom2"
    assert read_credential(env, table).header == "X-Gateway-Key"
    assert read_credential(env, table).value == "sk-custom2"


def test_litellm_header_accepts_bearer_too_and_scheme_is_case_insensitive():
    assert read_credential({"HTTP_X_LITELLM_API_KEY": "Bearer sk-1"}, TABLE).value == "sk-1"
    assert read_credential({"HTTP_AUTHORIZATION": "bEaReR sk-2"}, TABLE).value == "sk-2"


@pytest.mark.parametrize(
    "value", ["sk-no-scheme", "Basic dXNlcjpwYXNz", "Bearer", "Bearer    ", "Token sk-1"]
)
def test_malformed_authorization_is_401(value):
    with pytest.raises(AuthError, match="Malformed API Key"):
        read_credential({"HTTP_AUTHORIZATION": value}, TABLE)


def test_no_header_is_none_and_empty_headers_are_absent():
    assert read_credential({}, TABLE) is None
    assert read_credential({"HTTP_X_API_KEY": "", "HTTP_API_KEY": "sk-here"}, TABLE).value == "sk-here"


def test_mask_shows_at_most_prefix_and_last_four():
    assert mask("sk-abcdefghijklmnop") == "sk-...mnop"
    assert mask("eyJhbGciOi.payload.sig") == "<redacted>"
