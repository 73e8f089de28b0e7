"""The UI's browser protections, with the Flask test client: login, cookie flags, CSRF, CSP, logout."""

from __future__ import annotations

import re

import pytest

from gateway.ui.security import CSP
from tests.conftest import MASTER, auth
from tests.ui.conftest import HTML, Browser


def test_pages_send_a_strict_csp_with_no_inline_script(browser: Browser):
    resp = browser.get("/ui/login")
    csp = resp.headers["Content-Security-Policy"]
    assert csp == CSP
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "script-src 'self'" in csp and "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert resp.headers["X-Frame-Options"] == "DENY" and resp.headers["Cache-Control"] == "no-store"
    assert "<script>" not in resp.text and " style=" not in resp.text  # nothing the CSP would block


def test_every_template_has_no_inline_script_or_style():
    from pathlib import Path

    import gateway.ui

    for page in (Path(gateway.ui.__file__).parent / "templates").glob("*.html"):
        text = page.read_text()
        for tag in re.findall(r"<script[^>]*>", text):  # a file, or data the browser never runs
            assert " src=" in tag or 'type="application/json"' in tag, (page.name, tag)
        assert " style=" not in text and "<style" not in text and " on" + "click=" not in text, page.name


def test_the_session_cookie_is_httponly_lax_scoped_to_ui_and_has_a_lifetime(browser: Browser):
    cookie = browser.login().headers["Set-Cookie"]
    assert cookie.startswith("gateway_ui=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/ui" in cookie and "Expires=" in cookie
    assert "Secure" not in cookie  # plain http: a Secure cookie would never come back


def test_the_session_cookie_is_secure_over_https(browser: Browser):
    client = browser.client
    page = client.get("/ui/login", base_url="https://gw.example", headers=HTML)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    resp = client.post(
        "/ui/login",
        data={"csrf_token": token, "master_key": MASTER},
        base_url="https://gw.example",
        headers=HTML,
    )
    assert resp.status_code == 302 and "Secure" in resp.headers["Set-Cookie"]


def test_a_wrong_master_key_is_refused(browser: Browser):
    resp = browser.client.post(
        "/ui/login", data={"csrf_token": browser.token(), "master_key": "sk-wrong-0000000000"}, headers=HTML
    )
    assert resp.status_code == 401 and "Wrong master key" in resp.text
    assert browser.get("/ui/keys").status_code == 302  # still logged out


def test_ui_username_and_password_log_in(ui_app):
    client = Browser(
        ui_app(env={"UI_USERNAME": "admin", "UI_PASSWORD": "correct horse battery"}).test_client()
    )
    bad = client.client.post(
        "/ui/login",
        data={"csrf_token": client.token(), "username": "admin", "password": "nope"},
        headers=HTML,
    )
    assert bad.status_code == 401
    good = client.client.post(
        "/ui/login",
        data={"csrf_token": client.token(), "username": "admin", "password": "correct horse battery"},
        headers=HTML,
    )
    assert good.status_code == 302
    page = client.get("/ui/keys")
    assert page.status_code == 200 and 'id="who">admin' in page.text


def test_a_page_without_a_session_goes_to_the_login(browser: Browser):
    resp = browser.get("/ui/users?page=2")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/ui/login?next=")


def test_a_write_without_a_session_is_refused(browser: Browser, client=None):
    resp = browser.post("/ui/keys/generate", {"key_alias": "x"}, page="/ui/login")
    assert resp.status_code == 401


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(browser: Browser):
    browser.login()
    resp = browser.client.post("/ui/keys/generate", data={"key_alias": "forged"}, headers=HTML)
    assert resp.status_code == 400 and "CSRF" in resp.text
    listing = browser.client.get("/key/list?key_alias=forged", headers=auth()).get_json()
    assert listing["total_count"] == 0


def test_a_csrf_token_from_another_session_is_refused(ui_app):
    app = ui_app()
    mine, theirs = Browser(app.test_client()), Browser(app.test_client())
    mine.login()
    theirs.login()
    their_token = theirs.token("/ui/keys")
    resp = mine.client.post(
        "/ui/keys/generate", data={"csrf_token": their_token, "key_alias": "x"}, headers=HTML
    )
    assert resp.status_code == 400


def test_login_makes_a_new_csrf_token(browser: Browser):
    before = browser.token()
    browser.login()
    assert browser.token("/ui/keys") != before  # a token planted before the login is worthless


def test_logout_ends_the_session(browser: Browser):
    browser.login()
    assert browser.get("/ui/keys").status_code == 200
    assert browser.post("/ui/logout").status_code == 302
    assert browser.get("/ui/keys").status_code == 302


def test_login_never_redirects_off_the_ui(browser: Browser):
    for target in ("https://evil.example/", "//evil.example/ui/", "/key/list"):
        resp = browser.client.post(
            "/ui/login",
            data={"csrf_token": browser.token(), "master_key": MASTER, "next": target},
            headers=HTML,
        )
        assert resp.headers["Location"] == "/ui/keys", target


def test_api_clients_get_the_error_envelope_and_no_cookie(browser: Browser):
    resp = browser.client.post("/ui/keys/generate", data={})
    assert resp.status_code == 400 and resp.get_json()["error"]["param"] == "csrf_token"
    api = browser.client.get("/key/list", headers=auth())
    assert api.status_code == 200 and "Set-Cookie" not in api.headers


def test_a_session_older_than_its_lifetime_is_refused(ui_app, monkeypatch):
    """The lifetime is checked on the cookie's signed timestamp, not only by the browser."""
    from itsdangerous import TimestampSigner

    browser = Browser(ui_app(env={"UI_SESSION_LIFETIME": "1h"}).test_client())
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) - 3601)
    cookie = browser.login().headers["Set-Cookie"]  # signed an hour and a second ago
    assert "Expires=" in cookie
    monkeypatch.setattr(TimestampSigner, "get_timestamp", real)
    assert browser.get("/ui/keys").status_code == 302  # back to the login


def test_a_session_within_its_lifetime_is_kept(ui_app, monkeypatch):
    from itsdangerous import TimestampSigner

    browser = Browser(ui_app(env={"UI_SESSION_LIFETIME": "1h"}).test_client())
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) - 3500)
    browser.login()
    monkeypatch.setattr(TimestampSigner, "get_timestamp", real)
    assert browser.get("/ui/keys").status_code == 200


def test_a_new_master_key_logs_every_session_out(ui_app):
    app = ui_app()
    browser = Browser(app.test_client())
    browser.login()
    cookie = browser.client.get_cookie("gateway_ui", path="/ui")
    same = Browser(app.test_client())
    same.client.set_cookie("gateway_ui", cookie.value, path="/ui")
    assert same.get("/ui/keys").status_code == 200  # the cookie alone is the session
    other = Browser(ui_app(env={"LITELLM_MASTER_KEY": "sk-another-master-key-0002"}).test_client())
    other.client.set_cookie("gateway_ui", cookie.value, path="/ui")
    assert other.get("/ui/keys").status_code == 302  # signed with the old key's secret: worthless


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_ui_works_on_the_embedded_default(browser: Browser):
    browser.login()
    assert browser.post("/ui/keys/generate", {"key_alias": "on-sqlite"}).status_code == 200
    for page in ("/ui/keys", "/ui/usage?by=key", "/ui/jobs", "/ui/audit", "/ui/users"):
        assert browser.get(page).status_code == 200, page


@pytest.mark.parametrize("shared", [False, True], ids=["in-process", "redis"])
def test_repeated_failed_logins_are_throttled_even_for_the_right_key(ui_app, redis_url, shared):
    from gateway.ui.throttle import LIMIT

    browser = Browser(ui_app(env={"REDIS_URL": redis_url} if shared else {}).test_client())
    for _ in range(LIMIT):
        wrong = browser.client.post(
            "/ui/login",
            data={"csrf_token": browser.token(), "master_key": "sk-guess-000000000"},
            headers=HTML,
        )
        assert wrong.status_code == 401
    right = browser.client.post(
        "/ui/login", data={"csrf_token": browser.token(), "master_key": MASTER}, headers=HTML
    )
    assert right.status_code == 429 and right.headers["Retry-After"] == "300"
    if shared:  # another instance sharing Redis refuses too
        other = Browser(ui_app(env={"REDIS_URL": redis_url}).test_client())
        again = other.client.post(
            "/ui/login", data={"csrf_token": other.token(), "master_key": MASTER}, headers=HTML
        )
        assert again.status_code == 429


def test_a_new_ui_password_logs_every_session_out(ui_app):
    before = {"UI_USERNAME": "admin", "UI_PASSWORD": "first password here"}
    browser = Browser(ui_app(env=before).test_client())
    browser.login()
    cookie = browser.client.get_cookie("gateway_ui", path="/ui")
    changed = Browser(ui_app(env={**before, "UI_PASSWORD": "second password here"}).test_client())
    changed.client.set_cookie("gateway_ui", cookie.value, path="/ui")
    assert changed.get("/ui/keys").status_code == 302
