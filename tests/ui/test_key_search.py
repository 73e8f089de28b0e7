"""The keys page's search box: part of the alias or of the key name (`sk-...abcd`), any case,
matched in SQL with the user's `%` and `_` taken literally; /key/list's exact alias unchanged."""

from __future__ import annotations

import re

from tests.conftest import auth
from tests.ui.conftest import Browser


def _rows(browser: Browser, search: str) -> list[str]:
    resp = browser.get("/ui/keys", query_string={"search": search})
    assert resp.status_code == 200, resp.text
    return re.findall(r'data-alias="([^"]*)"', resp.text)


def _generate(browser: Browser, alias: str) -> str:
    resp = browser.post("/ui/keys/generate", {"key_alias": alias})
    assert resp.status_code == 200, resp.text
    return re.search(r'id="new-key">([^<]+)<', resp.text).group(1)


def test_part_of_the_alias_finds_the_key_in_any_case(browser: Browser):
    browser.login()
    for alias in ("billing-prod", "billing-dev", "search-svc"):
        _generate(browser, alias)
    assert sorted(_rows(browser, "BILLING")) == ["billing-dev", "billing-prod"]
    assert _rows(browser, "ing-pr") == ["billing-prod"]


def test_part_of_the_key_name_finds_the_key(browser: Browser):
    browser.login()
    key = _generate(browser, "by-name")
    _generate(browser, "other")
    assert _rows(browser, key[-4:]) == ["by-name"]
    assert (
        key not in browser.get("/ui/keys", query_string={"search": key[-4:]}).text
    )  # the name, never the key


def test_percent_and_underscore_match_literally(browser: Browser):
    browser.login()
    for alias in ("100%-off", "100x-off", "a_b", "axb", "back\\slash", "backslash"):
        _generate(browser, alias)
    assert _rows(browser, "100%") == ["100%-off"]
    assert _rows(browser, "a_b") == ["a_b"]
    assert _rows(browser, "%") == ["100%-off"]
    assert _rows(browser, "_") == ["a_b"]
    assert _rows(browser, "k\\s") == ["back\\slash"]


def test_no_match_shows_no_key(browser: Browser):
    browser.login()
    _generate(browser, "present")
    page = browser.get("/ui/keys", query_string={"search": "absent"}).text
    assert _rows(browser, "absent") == [] and "No keys." in page


def test_the_api_alias_filter_stays_an_exact_match(browser: Browser):
    browser.login()
    _generate(browser, "exact-one")
    listing = browser.client.get("/key/list?key_alias=exact", headers=auth()).get_json()
    assert listing["total_count"] == 0
    assert browser.client.get("/key/list?key_alias=exact-one", headers=auth()).get_json()["total_count"] == 1
