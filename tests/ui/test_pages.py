"""The UI's pages over the API's services, with the Flask test client: a key shown once, block
felt by the proxy, every page rendering, and the route table deciding buttons and writes."""

from __future__ import annotations

import re

import pytest

from tests.conftest import auth
from tests.ui.conftest import Browser

PAGES = (
    "/ui/keys",
    "/ui/teams",
    "/ui/users",
    "/ui/organizations",
    "/ui/customers",
    "/ui/usage",
    "/ui/jobs",
    "/ui/audit",
)
WRITE_FORMS = ('id="generate"', 'id="team-new"', 'id="user-new"', 'id="org-new"', 'id="customer-new"')


def _chat(client, key: str):
    return client.post(
        "/v1/chat/completions",
        json={"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]},
        headers=auth(key),
    )


def _new_key(browser: Browser, **fields: str) -> tuple[str, str]:
    resp = browser.post("/ui/keys/generate", fields)
    assert resp.status_code == 200, resp.text
    assert resp.headers["Cache-Control"] == "no-store"
    key = re.search(r'id="new-key">([^<]+)<', resp.text).group(1)
    token = browser.client.get(f"/key/info?key={key}", headers=auth()).get_json()["key"]
    return key, token


def test_a_generated_key_is_shown_once_and_never_again(browser: Browser):
    browser.login()
    key, token = _new_key(browser, key_alias="ui-once", models="gpt-4o", max_budget="5", rpm_limit="60")
    info = browser.client.get(f"/key/info?key={token}", headers=auth()).get_json()["info"]
    assert info["key_alias"] == "ui-once" and info["models"] == ["gpt-4o"] and info["rpm_limit"] == 60
    for page in ("/ui/keys", f"/ui/keys/{token}", "/ui/audit"):
        text = browser.get(page).text
        assert key not in text and key[3:] not in text, page
    assert "ui-once" in browser.get("/ui/keys?search=ui-o").text


def test_blocking_in_the_ui_refuses_the_key_at_the_proxy_and_unblocking_restores_it(browser: Browser):
    browser.login()
    key, token = _new_key(browser, key_alias="ui-block")
    assert _chat(browser.client, key).status_code == 200
    assert browser.post("/ui/keys/block", {"key": token}).status_code == 302
    refused = _chat(browser.client, key)
    assert refused.status_code == 401 and "blocked" in refused.get_json()["error"]["message"]
    assert 'class="status blocked"' in browser.get(f"/ui/keys/{token}").text
    assert browser.post("/ui/keys/unblock", {"key": token}).status_code == 302
    assert _chat(browser.client, key).status_code == 200


def test_regenerate_with_grace_shows_the_new_key_and_keeps_the_old_one_working(browser: Browser):
    browser.login()
    old, token = _new_key(browser, key_alias="ui-regen")
    resp = browser.post("/ui/keys/regenerate", {"key": token, "grace_period": "1h"})
    new = re.search(r'id="new-key">([^<]+)<', resp.text).group(1)
    assert new != old
    assert _chat(browser.client, new).status_code == 200 and _chat(browser.client, old).status_code == 200


def test_update_and_delete_go_through_the_key_service(browser: Browser):
    browser.login()
    key, token = _new_key(browser, key_alias="ui-upd")
    assert browser.post("/ui/keys/update", {"key": token, "rpm_limit": "7"}).status_code == 302
    assert browser.client.get(f"/key/info?key={token}", headers=auth()).get_json()["info"]["rpm_limit"] == 7
    events = browser.client.get(f"/audit?object_id={token}", headers=auth()).get_json()["audit_logs"]
    assert {e["action"] for e in events} >= {"generate", "update"} and events[0]["actor"] == "master_key"
    update = next(e for e in events if e["action"] == "update")
    assert update["detail"]["fields"] == ["rpm_limit"]  # the form sends what was typed, nothing else
    assert browser.post("/ui/keys/delete", {"key": token}).status_code == 302
    assert _chat(browser.client, key).status_code == 401


@pytest.mark.parametrize(
    ("field", "value"),
    [("duration", "30dxyz"), ("rpm_limit", "many"), ("metadata", "[1]"), ("models", "\x00")],
)
def test_bad_form_input_is_a_clear_400_page(browser: Browser, field: str, value: str):
    browser.login()
    resp = browser.post("/ui/keys/generate", {field: value})
    assert resp.status_code == 400 and 'id="error"' in resp.text and field in resp.text


def test_every_page_renders_for_the_admin_with_its_write_forms(browser: Browser):
    browser.login()
    texts = ""
    for page in PAGES:
        resp = browser.get(page)
        assert resp.status_code == 200, (page, resp.text[:500])
        texts += resp.text
    for form in WRITE_FORMS:
        assert form in texts


def test_directory_forms_create_and_delete_through_the_services(browser: Browser):
    browser.login()
    assert (
        browser.post(
            "/ui/organizations/new", {"organization_alias": "acme", "organization_id": "org-a"}
        ).status_code
        == 302
    )
    assert browser.post("/ui/teams/new", {"team_id": "t-ui", "organization_id": "org-a"}).status_code == 302
    assert browser.post("/ui/users/new", {"user_id": "u-ui", "user_role": "internal_user"}).status_code == 302
    assert (
        browser.post(
            "/ui/teams/member_add", {"team_id": "t-ui", "user_id": "u-ui", "role": "admin"}
        ).status_code
        == 302
    )
    assert (
        browser.post("/ui/users/update", {"user_id": "u-ui", "user_role": "internal_user_viewer"}).status_code
        == 302
    )
    assert (
        browser.client.get("/user/info?user_id=u-ui", headers=auth()).get_json()["user_info"]["user_role"]
        == "internal_user_viewer"
    )
    assert browser.post("/ui/customers/new", {"user_id": "cust-1", "max_budget": "3"}).status_code == 302
    assert browser.post("/ui/customers/block", {"user_id": "cust-1"}).status_code == 302
    team = browser.client.get("/team/info?team_id=t-ui", headers=auth()).get_json()["team_info"]
    assert team["members_with_roles"][0]["user_id"] == "u-ui" and team["organization_id"] == "org-a"
    assert (
        browser.client.get("/customer/info?end_user_id=cust-1", headers=auth()).get_json()["blocked"] is True
    )
    assert "u-ui" in browser.get("/ui/teams/t-ui").text
    assert browser.post("/ui/teams/delete", {"team_id": "t-ui"}).status_code == 302
    assert browser.client.get("/team/info?team_id=t-ui", headers=auth()).status_code == 404


def _as(browser: Browser, user_id: str, role: str) -> None:
    """A logged-in SSO session of `user_id` (made by the API; the session is what SSO would make)."""
    made = browser.client.post(
        "/user/new", json={"user_id": user_id, "user_role": role, "auto_create_key": False}, headers=auth()
    )
    assert made.status_code == 200, made.text
    with browser.client.session_transaction() as s:
        s.update(m="sso", r=role, s=user_id, u=user_id, t=0, csrf="t" * 43)


def test_a_viewer_sees_every_page_but_no_write_button(browser: Browser):
    browser.login()
    _new_key(browser, key_alias="someone-elses")
    _as(browser, "viewer-1", "proxy_admin_viewer")
    for page in PAGES:
        resp = browser.get(page)
        assert resp.status_code == 200, page
        classes = re.findall(r'<button[^>]*class="([^"]*)"', resp.text)
        assert not any("write" in c.split() for c in classes), page
        for form in WRITE_FORMS:
            assert form not in resp.text
    assert "someone-elses" in browser.get("/ui/keys").text  # a viewer reads everything


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/ui/keys/generate", {"key_alias": "forged"}),
        ("/ui/keys/block", {"key": "0" * 64}),
        ("/ui/keys/delete", {"key": "0" * 64}),
        ("/ui/users/new", {"user_id": "forged", "user_role": "proxy_admin"}),
        ("/ui/teams/new", {"team_id": "forged"}),
        ("/ui/organizations/new", {"organization_alias": "forged"}),
        ("/ui/customers/new", {"user_id": "forged"}),
        ("/ui/users/update", {"user_id": "viewer-2", "user_role": "proxy_admin"}),
    ],
)
def test_a_viewers_forged_write_is_refused_403(browser: Browser, path: str, data: dict):
    _as(browser, "viewer-2", "proxy_admin_viewer")
    resp = browser.client.post(path, data={"csrf_token": "t" * 43, **data}, headers={"Accept": "text/html"})
    assert resp.status_code == 403, resp.text
    assert browser.client.get("/key/list?key_alias=forged", headers=auth()).get_json()["total_count"] == 0
    assert browser.client.get("/user/info?user_id=forged", headers=auth()).status_code == 404


def test_an_internal_user_sees_only_its_own_keys_and_may_not_read_the_audit_log(browser: Browser):
    browser.login()
    _new_key(browser, key_alias="admins-key")
    _as(browser, "worker-1", "internal_user")
    mine = browser.post("/ui/keys/generate", {"key_alias": "workers-key"}, page="/ui/keys")
    assert mine.status_code == 200
    page = browser.get("/ui/keys").text
    assert "workers-key" in page and "admins-key" not in page
    assert browser.get("/ui/keys?user_id=someone-else").status_code == 403
    assert browser.get("/ui/audit").status_code == 403
    nav = browser.get("/ui/keys").text.split("</nav>")[0]
    assert "Audit log" not in nav and "Customers" not in nav and "Keys" in nav  # only what it may open
    assert 'id="team-new"' not in browser.get("/ui/teams").text


def test_a_deleted_sso_user_is_logged_out(browser: Browser):
    _as(browser, "gone-1", "proxy_admin_viewer")
    assert browser.get("/ui/keys").status_code == 200
    browser.client.post("/user/delete", json={"user_ids": ["gone-1"]}, headers=auth())
    assert browser.get("/ui/keys").status_code == 302


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/ui/keys/block", "key"),
        ("/ui/keys/regenerate", "key"),
        ("/ui/teams/block", "team_id"),
        ("/ui/teams/delete", "team_id"),
        ("/ui/teams/member_add", "team_id"),
        ("/ui/users/update", "user_id"),
        ("/ui/customers/block", "user_id"),
        ("/ui/organizations/member_add", "organization_id"),
    ],
)
def test_a_nul_in_a_form_is_a_400_never_a_500(browser: Browser, path: str, field: str):
    browser.login()
    assert browser.post(path, {field: "a\x00b"}).status_code == 400


@pytest.mark.parametrize(
    "path", ["/ui/keys/abc%00", "/ui/teams/t%00x", "/ui/organizations/o%00x", "/ui/keys/" + "f" * 5000]
)
def test_a_bad_id_in_a_page_address_is_a_4xx(browser: Browser, path: str):
    browser.login()
    assert 400 <= browser.get(path).status_code < 500


def test_a_team_member_sees_no_member_forms_and_its_admin_does(browser: Browser):
    browser.login()
    browser.post("/ui/teams/new", {"team_id": "t-m"})
    for user, role in (("member-1", "user"), ("lead-1", "admin")):
        browser.client.post(
            "/user/new",
            json={"user_id": user, "user_role": "internal_user", "auto_create_key": False},
            headers=auth(),
        )
        browser.post("/ui/teams/member_add", {"team_id": "t-m", "user_id": user, "role": role})
    _as_known(browser, "member-1", "internal_user")
    page = browser.get("/ui/teams/t-m")
    assert page.status_code == 200 and 'id="member-add"' not in page.text
    assert (
        browser.post(
            "/ui/teams/member_add", {"team_id": "t-m", "user_id": "lead-1"}, page="/ui/teams"
        ).status_code
        == 403
    )
    _as_known(browser, "lead-1", "internal_user")
    assert 'id="member-add"' in browser.get("/ui/teams/t-m").text


def _as_known(browser: Browser, user_id: str, role: str) -> None:
    with browser.client.session_transaction() as s:
        s.clear()
        s.update(m="sso", r=role, s=user_id, u=user_id, t=0, csrf="t" * 43)
