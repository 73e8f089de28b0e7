"""API.md §9: one envelope for every error — 400, 401, 404, 405, 413 — and never an HTML page."""

from __future__ import annotations

import http.client

import pytest

from tests.conftest import MASTER, auth, model_entry


def assert_envelope(resp, status: int, type_: str) -> dict:
    assert resp.status_code == status
    assert resp.mimetype == "application/json"
    err = resp.json["error"]
    assert set(err) == {"message", "type", "param", "code"}
    assert err["type"] == type_ and err["code"] == str(status) and err["message"]
    return err


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"{not json", "Malformed JSON"),
        (b"", "Malformed JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"messages": []}', "`model` is required"),
        (b'{"model": 5}', "`model` is required"),
        (b'{"model": "gpt-4o", "stream": "yes"}', "`stream` must be"),
    ],
)
def test_bad_bodies_are_400(client, upstream, data, words):
    resp = client.post("/chat/completions", data=data, headers={**auth(), "Content-Type": "application/json"})
    err = assert_envelope(resp, 400, "invalid_request_error")
    assert words in err["message"]
    assert upstream.received == []


def test_no_key_is_401(client):
    err = assert_envelope(client.post("/chat/completions", json={"model": "gpt-4o"}), 401, "auth_error")
    assert err["message"] == "No api key passed in."


def test_malformed_authorization_is_401(client):
    resp = client.post("/chat/completions", json={"model": "gpt-4o"}, headers={"Authorization": MASTER})
    assert "Malformed API Key" in assert_envelope(resp, 401, "auth_error")["message"]


def test_wrong_key_is_401_and_not_echoed(client):
    wrong = "sk-wrong-key-abcdefghijklmnop"
    resp = client.post("/chat/completions", json={"model": "gpt-4o"}, headers=auth(wrong))
    assert_envelope(resp, 401, "auth_error")
    assert wrong.encode() not in resp.get_data()


def test_unknown_route_is_404_json(client):
    assert_envelope(client.get("/nope"), 404, "not_found")
    assert_envelope(client.post("/v1/nope", headers=auth()), 404, "not_found")
    # a LiteLLM route the gateway lacks says so and where the list is, without echoing the path
    resp = client.post("/key/sk-secret-in-a-path-0001/regenrate", headers=auth())
    assert "/openapi.json" in resp.json["error"]["message"] and "sk-secret" not in resp.get_data(as_text=True)


def test_wrong_method_is_405_json(client):
    resp = client.get("/chat/completions", headers=auth())
    assert_envelope(resp, 405, "invalid_request_error")
    assert "POST" in resp.headers["Allow"]


def test_body_over_the_limit_is_413_without_reaching_upstream(make_app, upstream):
    client = make_app(
        {
            "model_list": [model_entry("gpt-4o", upstream.base)],
            "general_settings": {"max_request_size_mb": 0.001},
        }
    ).test_client()
    big = b'{"model": "gpt-4o", "pad": "' + b"x" * 2000 + b'"}'
    resp = client.post("/chat/completions", data=big, headers={**auth(), "Content-Type": "application/json"})
    assert_envelope(resp, 413, "invalid_request_error")
    assert upstream.received == []


def test_chunked_body_over_the_limit_is_413_on_a_live_gateway(live_gateway, pg_url, upstream):
    gw = live_gateway(
        {
            "model_list": [model_entry("gpt-4o", upstream.base)],
            "general_settings": {"max_request_size_mb": 0.001},
        },
        {"DATABASE_URL": pg_url},
    )
    conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=10)
    parts = (b'{"model": "gpt-4o", "pad": "', b"x" * 3000, b'"}')
    conn.request(
        "POST",
        "/chat/completions",
        body=iter(parts),
        headers={"Authorization": f"Bearer {MASTER}", "Content-Type": "application/json"},
        encode_chunked=True,
    )
    resp = conn.getresponse()
    assert resp.status == 413
    assert b'"invalid_request_error"' in resp.read()
    conn.close()
    assert upstream.received == []


def _odd_spellings(path: str) -> list[str]:
    """`path` with one slash doubled (at each place) and with a trailing slash."""
    doubled = [path[:i] + "/" + path[i:] for i, ch in enumerate(path) if ch == "/"]
    return [*doubled, path + "/"]


def test_no_route_answers_a_redirect_only_a_json_404(app):
    """Werkzeug's merge_slashes answered `/key//generate` with an HTML 308 to the client's Host,
    before auth: every odd spelling of every route is the JSON 404 instead."""
    client = app.test_client()
    rules = list(app.url_map.iter_rules())
    assert any(r.rule == "/key/generate" for r in rules) and any(
        r.rule == "/v1/chat/completions" for r in rules
    )
    for rule in rules:
        path = rule.rule.replace("<key>", "sk-abc")
        for odd in _odd_spellings(path):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                # PATH_INFO set as is: the test client would read a leading `//` as a host name.
                resp = client.open(
                    "/",
                    method=method,
                    headers={"Host": "evil.example", **auth()},
                    environ_overrides={"PATH_INFO": odd},
                )
                assert "Location" not in resp.headers, (method, odd)
                assert_envelope(resp, 404, "not_found")
