"""Request bodies: a key given twice in any JSON object is refused, on client and admin routes alike."""

from __future__ import annotations

import pytest

from tests.conftest import auth
from tests.test_errors import assert_envelope

JSON = {**auth(), "Content-Type": "application/json"}


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        # authorized as `gpt-4o` (orjson keeps the last) while both go upstream, which may keep the first
        (b'{"model": "not-allowed", "model": "gpt-4o", "messages": []}', "model"),
        # a second `metadata` hid the first, and the `api_base` in it, from the client-side check
        (b'{"model": "gpt-4o", "metadata": {"api_base": "http://evil"}, "metadata": {}}', "metadata"),
        (b'{"model": "gpt-4o", "messages": [{"role": "user", "content": "a", "content": "b"}]}', "content"),
        (b'{"model": "gpt-4o", "x": [[{"deep": {"k": 1, "k": 2}}]]}', "k"),
        (b'{"model": "gpt-4o", "mod\\u0065l": "gpt-4o"}', "model"),  # the same key, spelled with an escape
    ],
)
def test_a_duplicate_key_is_400_naming_it_and_nothing_goes_upstream(client, upstream, raw, name):
    err = assert_envelope(
        client.post("/v1/chat/completions", data=raw, headers=JSON), 400, "invalid_request_error"
    )
    assert err["param"] == name and f"`{name}`" in err["message"]
    assert upstream.received == []


def test_the_same_key_in_different_objects_is_fine(client, upstream):
    raw = b'{"model": "gpt-4o", "messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]}'
    assert client.post("/v1/chat/completions", data=raw, headers=JSON).status_code == 200
    assert upstream.received[-1].body == raw


def test_a_duplicate_key_on_an_admin_route_is_400_and_makes_no_key(client):
    raw = b'{"models": ["gpt-4o"], "key_alias": "a", "key_alias": "b"}'
    err = assert_envelope(client.post("/key/generate", data=raw, headers=JSON), 400, "invalid_request_error")
    assert err["param"] == "key_alias"
    assert client.get("/key/list", headers=auth()).json["total_count"] == 0


def test_a_body_nested_too_deeply_for_the_check_is_400(client, upstream):
    raw = b'{"model": "gpt-4o", "x": ' + b"[" * 1000 + b"]" * 1000 + b"}"
    assert_envelope(client.post("/v1/chat/completions", data=raw, headers=JSON), 400, "invalid_request_error")
    assert upstream.received == []
