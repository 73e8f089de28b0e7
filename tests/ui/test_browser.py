"""The admin UI in a real browser: headless Chromium (Debian's `chromium`, `chromium-driver`)
driven by Selenium against a gunicorn gateway, the loopback IdP for single sign-on.

Each page is photographed under the run's basetemp (`ui-screenshots/`, listed at the end of the
run). Without Chromium these tests FAIL, never skip: CI installs it (.ci/run)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis as redis_lib
import requests
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.conftest import MASTER, REDIS_BASE, REDIS_TEST_DB, model_entry, truncate_all
from tests.support.idp import FakeIdP, make_key
from tests.support.live import LiveGateway
from tests.support.upstream import FakeUpstream
from tests.ui.conftest import SCREENSHOTS, sso_env

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
ROOT = Path(__file__).resolve().parents[2]
PAGES = ("teams", "users", "organizations", "customers", "usage", "jobs", "audit")


@pytest.fixture(scope="module")
def idp() -> Iterator[FakeIdP]:
    server = FakeIdP([make_key("RS256", "rs-browser")]).start()
    server.add_account("boss", "boss-password", email="boss@example.com")
    server.add_account("vera", "vera-password", email="vera@example.com", groups=["gw-viewers"])
    yield server
    server.stop()


@pytest.fixture(scope="module")
def gateway(pg_url: str, idp: FakeIdP, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveGateway]:
    truncate_all(pg_url)
    redis_url = f"{REDIS_BASE}/{REDIS_TEST_DB}"
    redis_lib.Redis.from_url(redis_url).flushdb()
    upstream = FakeUpstream("A").start()
    gw = LiveGateway(
        tmp_path_factory.mktemp("ui-gateway"),
        {"model_list": [model_entry("gpt-4o", upstream.base)]},
        {"LITELLM_MASTER_KEY": MASTER, "DATABASE_URL": pg_url, "REDIS_URL": redis_url},
    )
    gw.env.update(
        sso_env(
            idp,
            PROXY_BASE_URL=gw.url,
            PROXY_ADMIN_ID="boss",
            GENERIC_USER_ROLE_ATTRIBUTE="groups",
            GENERIC_USER_ROLE_MAPPINGS="gw-viewers=proxy_admin_viewer",
        )
    )
    gw.start()
    yield gw
    gw.stop()
    upstream.stop()


def require_chromium(paths: tuple[str, ...] = (CHROMIUM, CHROMEDRIVER)) -> None:
    """A missing browser fails the test, never skips it: a skipped browser test passes silently."""
    missing = [p for p in paths if not os.access(p, os.X_OK)]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} not found: install Chromium with "
            "`apt-get install -y chromium chromium-driver` (CI's .ci/run does)"
        )


def test_a_missing_chromium_fails_with_the_install_line():
    with pytest.raises(pytest.fail.Exception, match="apt-get install -y chromium chromium-driver"):
        require_chromium(("/nonexistent/chromium",))


@pytest.fixture
def chrome() -> Iterator[WebDriver]:
    require_chromium()
    options = Options()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def shot(driver: WebDriver, name: str) -> None:
    path = SCREENSHOTS.dir / f"{name}.png"
    driver.save_screenshot(str(path))
    SCREENSHOTS.paths.append(path)
    print(f"screenshot: {path}")


def wait_for(driver: WebDriver, css: str):
    return WebDriverWait(driver, 15).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))


def no_csp_violations(driver: WebDriver) -> None:
    """The pages work under their own policy: Chromium logs every blocked script or style."""
    bad = [e["message"] for e in driver.get_log("browser") if "Content Security Policy" in e["message"]]
    assert not bad, bad


def chat(gw: LiveGateway, key: str) -> requests.Response:
    return requests.post(
        gw.url + "/v1/chat/completions",
        json={"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]},
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    )


def flush_usage(gw: LiveGateway) -> None:
    """The usage queue (Redis) into usage_logs now, as the worker's job would (`flask jobs run`)."""
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "jobs", "run", "flush_usage"],
        cwd=ROOT, env=gw.env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def master_login(driver: WebDriver, gw: LiveGateway) -> None:
    driver.get(gw.url + "/ui/")
    wait_for(driver, "#master-login")
    shot(driver, "01-login")
    driver.find_element(By.ID, "master_key").send_keys(MASTER)
    driver.find_element(By.ID, "login-master").click()
    wait_for(driver, "#keys")


def test_master_key_login_generate_a_key_seen_once_then_block_it_and_the_proxy_refuses_it(chrome, gateway):
    master_login(chrome, gateway)
    alias = f"browser-{secrets.token_hex(3)}"
    chrome.find_element(By.ID, "f-key_alias").send_keys(alias)
    chrome.find_element(By.ID, "f-models").send_keys("gpt-4o")
    chrome.find_element(By.ID, "generate-submit").click()
    key = wait_for(chrome, "#new-key").text
    assert key.startswith("sk-") and len(key) > 20
    chrome.find_element(By.ID, "copy").click()
    assert chrome.find_element(By.ID, "copy").text in ("Copied", "Selected: press Ctrl+C")  # ui.js ran
    shot(chrome, "02-key-shown-once")
    assert chat(gateway, key).status_code == 200

    chrome.get(gateway.url + "/ui/keys")
    wait_for(chrome, "#keys")
    assert key not in chrome.page_source and key[3:] not in chrome.page_source  # never again
    shot(chrome, "03-keys")
    chrome.find_element(By.CSS_SELECTOR, f'tr[data-alias="{alias}"] a').click()
    wait_for(chrome, "#block").click()
    assert wait_for(chrome, "#done").text == "Key blocked."
    refused = chat(gateway, key)
    assert refused.status_code == 401 and "blocked" in refused.json()["error"]["message"]
    row = chrome.find_element(By.CSS_SELECTOR, f'tr[data-alias="{alias}"] .status')
    assert row.text == "blocked"
    shot(chrome, "04-key-blocked")

    flush_usage(gateway)  # the first call's usage, for the usage page's charts
    for n, page in enumerate(PAGES, start=5):
        chrome.get(f"{gateway.url}/ui/{page}")
        wait_for(chrome, "main h1")
        if page == "usage":
            wait_for(chrome, "body[data-charts-drawn='yes']")  # Chart.js ran, under the CSP
            assert "gpt-4o" in chrome.find_element(By.ID, "usage-totals").text
        shot(chrome, f"{n:02d}-{page}")
    no_csp_violations(chrome)


def sso_login(driver: WebDriver, gw: LiveGateway, username: str, password: str, name: str) -> None:
    driver.get(gw.url + "/ui/login")
    wait_for(driver, "#login-sso").click()
    wait_for(driver, "#kc-login")  # the IdP's own login form
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password)
    shot(driver, f"{name}-idp-form")
    driver.find_element(By.ID, "kc-login").click()
    wait_for(driver, "#who")


def test_sso_login_against_the_loopback_idp(chrome, gateway, idp):
    sso_login(chrome, gateway, "boss", "boss-password", "20-sso")
    assert chrome.current_url == gateway.url + "/ui/keys"
    who = chrome.find_element(By.ID, "who").text
    assert "boss@example.com" in who and "proxy_admin" in who
    assert chrome.find_elements(By.ID, "generate")  # an admin: the write forms are there
    shot(chrome, "21-sso-admin-keys")
    no_csp_violations(chrome)


def test_a_viewer_sees_no_write_buttons_and_a_forged_write_is_refused(chrome, gateway, idp):
    sso_login(chrome, gateway, "vera", "vera-password", "30-viewer")
    assert "proxy_admin_viewer" in chrome.find_element(By.ID, "who").text
    for page in ("keys", *PAGES):
        chrome.get(f"{gateway.url}/ui/{page}")
        wait_for(chrome, "main h1")
        assert not chrome.find_elements(By.CSS_SELECTOR, "button.write, form#generate"), page
    shot(chrome, "31-viewer-keys-read-only")
    before = requests.get(
        gateway.url + "/key/list", headers={"Authorization": f"Bearer {MASTER}"}, timeout=10
    )
    # The forgery: the viewer's own session and CSRF token, a form the UI never showed it.
    chrome.execute_script(
        """
        const form = document.createElement("form");
        form.method = "post"; form.action = "/ui/keys/generate";
        for (const [name, value] of [["csrf_token", document.querySelector("input[name=csrf_token]").value],
                                     ["key_alias", "forged-by-viewer"]]) {
          const input = document.createElement("input");
          input.type = "hidden"; input.name = name; input.value = value; form.appendChild(input);
        }
        document.body.appendChild(form); form.submit();
        """
    )
    status = wait_for(chrome, "#error-status").text
    assert status.startswith("403")
    shot(chrome, "32-viewer-forged-write-403")
    after = requests.get(gateway.url + "/key/list", headers={"Authorization": f"Bearer {MASTER}"}, timeout=10)
    assert after.json()["total_count"] == before.json()["total_count"]
