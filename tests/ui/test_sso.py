"""Single sign-on against the loopback IdP, with the Flask test client: the code flow with PKCE,
and where the SSO user's role comes from (PROXY_ADMIN_ID, a mapped claim, the user table)."""

from __future__ import annotations

import pytest

from gateway.config import validate_config
from gateway.settings import ConfigError
from tests.conftest import auth
from tests.support.idp import DISCOVERY_PATH, TOKEN_PATH, make_key
from tests.ui.conftest import Browser, sso_env


def test_the_code_flow_uses_pkce_s256_and_logs_the_admin_in(ui_app, idp):
    idp.add_account("boss", "pw-boss", email="boss@example.com")
    browser = Browser(ui_app(env=sso_env(idp, PROXY_ADMIN_ID="boss")).test_client())
    start = browser.get("/ui/sso/login")
    assert (
        "code_challenge_method=S256" in start.headers["Location"]
        and "code_challenge=" in start.headers["Location"]
    )
    resp = browser.sso_login(idp, "boss", "pw-boss")
    assert resp.status_code == 302 and resp.headers["Location"] == "/ui/keys"
    page = browser.get("/ui/keys")
    assert page.status_code == 200 and "boss@example.com" in page.text and "proxy_admin" in page.text
    sent = idp.token_requests[-1]
    assert len(sent["code_verifier"]) >= 43 and sent["grant_type"] == "authorization_code"
    assert idp.fetches[TOKEN_PATH] == 1
    user = browser.client.get("/user/info?user_id=boss", headers=auth()).get_json()
    assert user["user_info"]["user_role"] == "proxy_admin"  # the IdP vouched for it: the row follows


def test_an_id_token_not_signed_by_the_idps_published_keys_is_refused(ui_app, idp):
    idp.add_account("boss", "pw")
    idp.id_token_key = make_key("RS256", "rs-1")  # the published kid, another key: a forgery
    browser = Browser(ui_app(env=sso_env(idp, PROXY_ADMIN_ID="boss")).test_client())
    resp = browser.sso_login(idp, "boss", "pw")
    assert resp.status_code == 401 and "refused" in resp.text
    assert browser.get("/ui/keys").status_code == 302


def test_a_claim_mapped_to_a_role_makes_a_viewer(ui_app, idp):
    idp.add_account("vee", "pw", email="vee@example.com", groups=["gw-viewers", "staff"])
    env = sso_env(
        idp, GENERIC_USER_ROLE_ATTRIBUTE="groups", GENERIC_USER_ROLE_MAPPINGS="gw-viewers=proxy_admin_viewer"
    )
    browser = Browser(ui_app(env=env).test_client())
    assert browser.sso_login(idp, "vee", "pw").status_code == 302
    page = browser.get("/ui/keys")
    assert "proxy_admin_viewer" in page.text and 'id="generate"' not in page.text


def test_without_a_role_claim_the_user_table_decides(ui_app, idp):
    idp.add_account("known", "pw")
    idp.add_account("stranger", "pw")
    app = ui_app(env=sso_env(idp))
    app.test_client().post(
        "/user/new",
        json={"user_id": "known", "user_role": "internal_user", "auto_create_key": False},
        headers=auth(),
    )
    known = Browser(app.test_client())
    assert known.sso_login(idp, "known", "pw").status_code == 302
    assert "internal_user" in known.get("/ui/keys").text
    stranger = Browser(app.test_client())
    refused = stranger.sso_login(idp, "stranger", "pw")
    assert refused.status_code == 403 and "not a user of the gateway" in refused.text
    assert stranger.get("/ui/keys").status_code == 302


def test_admin_only_mode_refuses_an_internal_user(ui_app, idp):
    idp.add_account("worker", "pw", role="internal_user")
    env = sso_env(idp, GENERIC_USER_ROLE_ATTRIBUTE="role")
    browser = Browser(ui_app(env=env, general_settings={"ui_access_mode": "admin_only"}).test_client())
    assert browser.sso_login(idp, "worker", "pw").status_code == 403


def test_a_replayed_or_foreign_state_is_refused(ui_app, idp):
    idp.add_account("boss", "pw")
    browser = Browser(ui_app(env=sso_env(idp, PROXY_ADMIN_ID="boss")).test_client())
    resp = browser.get("/ui/sso/callback?code=abc&state=not-mine")
    assert resp.status_code == 401 and browser.get("/ui/keys").status_code == 302


def test_sso_not_configured_is_a_404(browser: Browser):
    assert browser.get("/ui/sso/login").status_code == 404
    assert "single sign-on" not in browser.get("/ui/login").text


@pytest.mark.parametrize(
    ("env", "general", "key"),
    [
        ({"UI_USERNAME": "admin"}, {}, "UI_USERNAME"),
        ({"UI_SESSION_SECRET": "short"}, {}, "UI_SESSION_SECRET"),
        ({"UI_SESSION_LIFETIME": "12hours"}, {}, "UI_SESSION_LIFETIME"),
        ({"GENERIC_CLIENT_ID": "x"}, {}, "GENERIC_CLIENT_ID"),
        (
            {
                "GENERIC_CLIENT_ID": "x",
                "GENERIC_AUTHORIZATION_ENDPOINT": "http://i/a",
                "GENERIC_TOKEN_ENDPOINT": "http://i/t",
            },
            {},
            "GENERIC_JWKS_URI",
        ),
        ({"GENERIC_CLIENT_ID": "x", "GENERIC_DISCOVERY_URL": "ftp://i"}, {}, "GENERIC_DISCOVERY_URL"),
        (
            {
                "GENERIC_CLIENT_ID": "x",
                "GENERIC_DISCOVERY_URL": "http://i/d",
                "GENERIC_USER_ROLE_MAPPINGS": "a=root",
            },
            {},
            "GENERIC_USER_ROLE_MAPPINGS",
        ),
        ({}, {"ui_access_mode": "everyone"}, "general_settings.ui_access_mode"),
    ],
)
def test_bad_ui_settings_stop_start_up_naming_the_setting(env, general, key):
    with pytest.raises(ConfigError) as err:
        validate_config(raw={"general_settings": general}, environ=env)
    assert err.value.key == key


def test_endpoints_given_one_by_one_work_like_discovery(ui_app, idp):
    """LiteLLM's variables without discovery: the ID token checked with GENERIC_JWKS_URI's keys."""
    idp.add_account("boss", "pw", email="boss@example.com")
    base = idp.issuer + "/protocol/openid-connect"
    env = {
        "GENERIC_CLIENT_ID": idp.client_id,
        "GENERIC_CLIENT_SECRET": idp.client_secret,
        "GENERIC_AUTHORIZATION_ENDPOINT": base + "/auth",
        "GENERIC_TOKEN_ENDPOINT": base + "/token",
        "GENERIC_USERINFO_ENDPOINT": base + "/userinfo",
        "GENERIC_JWKS_URI": idp.jwks_url,
        "PROXY_ADMIN_ID": "boss",
    }
    browser = Browser(ui_app(env=env).test_client())
    assert browser.sso_login(idp, "boss", "pw").status_code == 302
    assert "boss@example.com" in browser.get("/ui/keys").text
    assert idp.fetches[DISCOVERY_PATH] == 0 and idp.certs_fetches == 1
