"""The edit forms (team, team member, organization, customer): pre-filled with the current
values, saved through the same services as `/team/update`, `/team/member_update`,
`/organization/update` and `/customer/update`, refused as those routes are."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

import pytest

from tests.conftest import auth
from tests.ui.conftest import HTML, Browser


@dataclass(frozen=True)
class Form:
    name: str
    page: str
    form_id: str
    action: str
    ident: dict[str, str]
    shown: tuple[str, ...]  # pre-filled inputs the page must carry
    valid: dict[str, str]  # an edit (unchanged values included, as the browser posts them)
    sent: str  # what the service was handed: the changed fields only
    expect: dict[str, Any]  # read back after the valid edit
    invalid: dict[str, str]
    bad_param: str
    read: Callable[[Any], dict[str, Any]] = field(repr=False, default=lambda c: {})


def _team(client) -> dict[str, Any]:
    return client.get("/team/info?team_id=t-e", headers=auth()).get_json()


FORMS = [
    Form(
        "team",
        "/ui/teams/t-e",
        'id="team-edit"',
        "/ui/teams/update",
        {"team_id": "t-e"},
        ('name="team_alias" value="alpha"', 'name="max_budget" value="10.0"', 'name="models" value="gpt-4o"'),
        {
            "team_alias": "alpha",
            "max_budget": "10.0",
            "models": "gpt-4o",
            "rpm_limit": "9",
            "soft_budget": "4",
        },
        "rpm_limit, soft_budget",
        {"rpm_limit": 9, "soft_budget": 4.0, "team_alias": "alpha", "max_budget": 10.0},
        {"budget_duration": "30dxyz"},
        "budget_duration",
        lambda c: _team(c)["team_info"],
    ),
    Form(
        "member",
        "/ui/teams/t-e",
        'data-user="u-e"',
        "/ui/teams/member_update",
        {"team_id": "t-e", "user_id": "u-e"},
        ('name="max_budget_in_team" value="2.0"', "<option selected>user</option>"),
        {"role": "admin", "max_budget_in_team": "2.0", "rpm_limit": "3", "allowed_models": "gpt-4o"},
        "allowed_models, role, rpm_limit",
        {"role": "admin", "rpm_limit": 3, "allowed_models": ["gpt-4o"], "max_budget_in_team": 2.0},
        {"max_budget_in_team": "50"},  # above the team's max_budget of 10: the team bounds refuse it
        "max_budget_in_team",
        lambda c: _team(c)["team_memberships"][0],
    ),
    Form(
        "organization",
        "/ui/organizations/org-e",
        'id="org-edit"',
        "/ui/organizations/update",
        {"organization_id": "org-e"},
        ('name="organization_alias" value="acme-e"', 'name="max_budget" value="100.0"'),
        {"organization_alias": "acme-e", "max_budget": "100.0", "tpm_limit": "1000", "budget_duration": "7d"},
        "budget_duration, tpm_limit",
        {"tpm_limit": 1000, "budget_duration": "7d", "max_budget": 100.0},
        {"max_budget": "-1"},
        "max_budget",
        lambda c: c.get("/organization/info?organization_id=org-e", headers=auth()).get_json(),
    ),
    Form(
        "customer",
        "/ui/customers/c-e",
        'id="customer-edit"',
        "/ui/customers/update",
        {"user_id": "c-e"},
        ('name="alias" value="cust"', 'name="max_budget" value="3.0"', 'name="rpm_limit" value="4"'),
        {"alias": "cust", "max_budget": "3.0", "rpm_limit": "4", "models": "gpt-4o", "tpm_limit": "100"},
        "models, tpm_limit",
        {"models": ["gpt-4o"], "tpm_limit": 100, "rpm_limit": 4, "alias": "cust"},
        {"default_model": "no-such-model"},
        "default_model",
        lambda c: c.get("/customer/info?end_user_id=c-e", headers=auth()).get_json(),
    ),
]
IDS = [f.name for f in FORMS]


def _api(client, path: str, body: dict[str, Any]) -> None:
    resp = client.post(path, json=body, headers=auth())
    assert resp.status_code == 200, (path, resp.text)


@pytest.fixture
def admin(browser: Browser) -> Browser:
    browser.login()
    c = browser.client
    _api(
        c,
        "/organization/new",
        {"organization_id": "org-e", "organization_alias": "acme-e", "max_budget": 100},
    )
    _api(
        c,
        "/team/new",
        {
            "team_id": "t-e",
            "team_alias": "alpha",
            "organization_id": "org-e",
            "max_budget": 10,
            "models": ["gpt-4o"],
        },
    )
    _api(c, "/user/new", {"user_id": "u-e", "user_role": "internal_user", "auto_create_key": False})
    _api(c, "/team/member_add", {"team_id": "t-e", "member": {"user_id": "u-e"}, "max_budget_in_team": 2})
    _api(c, "/customer/new", {"user_id": "c-e", "alias": "cust", "max_budget": 3, "rpm_limit": 4})
    return browser


def _as_viewer(browser: Browser) -> None:
    _api(
        browser.client,
        "/user/new",
        {"user_id": "viewer-e", "user_role": "proxy_admin_viewer", "auto_create_key": False},
    )
    with browser.client.session_transaction() as s:
        s.clear()
        s.update(m="sso", r="proxy_admin_viewer", s="viewer-e", u="viewer-e", t=0, csrf="t" * 43)


@pytest.mark.parametrize("form", FORMS, ids=IDS)
def test_the_edit_form_shows_the_current_values(admin: Browser, form: Form):
    page = admin.get(form.page)
    assert page.status_code == 200 and form.form_id in page.text
    for shown in form.shown:
        assert shown in page.text, shown


@pytest.mark.parametrize("form", FORMS, ids=IDS)
def test_a_valid_edit_changes_the_row_and_sends_only_the_changed_fields(admin: Browser, form: Form):
    resp = admin.post(form.action, {**form.ident, **form.valid}, page=form.page)
    assert resp.status_code == 302, resp.text
    assert f"Saved: {form.sent}." in unquote_plus(resp.headers["Location"])
    after = form.read(admin.client)
    assert {k: after[k] for k in form.expect} == form.expect
    assert f"Saved: {form.sent}." in admin.get(resp.headers["Location"]).text


@pytest.mark.parametrize("form", FORMS, ids=IDS)
def test_an_unchanged_form_changes_nothing(admin: Browser, form: Form):
    before = form.read(admin.client)
    shown = {k: v for k, v in form.valid.items() if f'name="{k}" value="{v}"' in admin.get(form.page).text}
    resp = admin.post(form.action, {**form.ident, **shown}, page=form.page)
    assert resp.status_code == 302 and "Nothing+changed" in resp.headers["Location"]
    assert form.read(admin.client) == before


@pytest.mark.parametrize("form", FORMS, ids=IDS)
def test_an_invalid_edit_shows_the_error_and_changes_nothing(admin: Browser, form: Form):
    before = form.read(admin.client)
    resp = admin.post(form.action, {**form.ident, **form.invalid}, page=form.page)
    assert resp.status_code == 400, resp.text
    assert 'id="error"' in resp.text and form.bad_param in resp.text
    assert form.read(admin.client) == before


@pytest.mark.parametrize("form", FORMS, ids=IDS)
def test_a_viewer_sees_no_edit_form_and_its_forged_edit_is_403(admin: Browser, form: Form):
    before = form.read(admin.client)
    _as_viewer(admin)
    page = admin.get(form.page)
    assert page.status_code == 200 and form.form_id not in page.text
    forged = {"csrf_token": "t" * 43, **form.ident, **form.valid}
    assert admin.client.post(form.action, data=forged, headers=HTML).status_code == 403
    assert form.read(admin.client) == before


@pytest.mark.parametrize("form", FORMS, ids=IDS)
def test_an_edit_without_the_csrf_token_is_refused(admin: Browser, form: Form):
    before = form.read(admin.client)
    resp = admin.client.post(form.action, data={**form.ident, **form.valid}, headers=HTML)
    assert resp.status_code == 400 and "CSRF" in resp.text
    assert form.read(admin.client) == before


def test_a_team_admin_edits_its_members_but_not_the_team_budget(admin: Browser):
    _api(
        admin.client,
        "/user/new",
        {"user_id": "lead-e", "user_role": "internal_user", "auto_create_key": False},
    )
    _api(
        admin.client, "/team/member_add", {"team_id": "t-e", "member": {"user_id": "lead-e", "role": "admin"}}
    )
    with admin.client.session_transaction() as s:
        s.clear()
        s.update(m="sso", r="internal_user", s="lead-e", u="lead-e", t=0, csrf="t" * 43)
    page = admin.get("/ui/teams/t-e").text
    assert 'data-user="u-e"' in page
    resp = admin.post(
        "/ui/teams/member_update",
        {"team_id": "t-e", "user_id": "u-e", "rpm_limit": "8"},
        page="/ui/teams/t-e",
    )
    assert resp.status_code == 302, resp.text
    assert _team(admin.client)["team_memberships"][0]["rpm_limit"] == 8
    refused = admin.post("/ui/teams/update", {"team_id": "t-e", "max_budget": "99"}, page="/ui/teams/t-e")
    assert refused.status_code == 403 and 'id="error"' in refused.text
    assert _team(admin.client)["team_info"]["max_budget"] == 10.0


@pytest.mark.parametrize(
    ("form", "path", "body", "name"),
    [
        (FORMS[0], "/team/update", {"team_id": "t-e", "max_budget": None}, "max_budget"),
        (
            FORMS[1],
            "/team/member_update",
            {"team_id": "t-e", "user_id": "u-e", "max_budget_in_team": None},
            "max_budget_in_team",
        ),
        (FORMS[2], "/organization/update", {"organization_id": "org-e", "max_budget": None}, "max_budget"),
        (FORMS[3], "/customer/update", {"user_id": "c-e", "rpm_limit": None}, "rpm_limit"),
    ],
    ids=IDS,
)
def test_a_value_the_form_cannot_clear_is_cleared_by_the_api_with_null(
    admin: Browser, form, path, body, name
):
    """docs/ui.md's way to clear a setting (an emptied input means "unchanged")."""
    assert form.read(admin.client)[name] is not None
    emptied = admin.post(form.action, {**form.ident, name: ""}, page=form.page)
    assert "Nothing+changed" in emptied.headers["Location"] and form.read(admin.client)[name] is not None
    _api(admin.client, path, body)
    assert form.read(admin.client)[name] is None
