"""The admin UI's fixtures: an app with a model and the loopback IdP set up for single sign-on,
and a browser-like test client that logs in and carries the CSRF token of its session."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import MASTER, model_entry
from tests.support.idp import FakeIdP, make_key

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(page: str) -> str:
    found = _TOKEN.search(page)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


class Browser:
    """A Flask test client used as a browser: HTML pages, forms posted with their CSRF token."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def get(self, path: str, **kw: Any):
        return self.client.get(path, headers=HTML, **kw)

    def token(self, page: str = "/ui/login") -> str:
        return csrf_of(self.get(page).text)

    def post(self, path: str, data: dict[str, Any] | None = None, page: str = "/ui/keys", **kw: Any):
        data = {"csrf_token": self.token(page), **(data or {})}
        return self.client.post(path, data=data, headers=HTML, **kw)

    def login(self, master_key: str = MASTER):
        resp = self.client.post(
            "/ui/login", data={"csrf_token": self.token(), "master_key": master_key}, headers=HTML
        )
        assert resp.status_code == 302, resp.text
        return resp

    def sso_login(self, idp: FakeIdP, username: str, password: str):
        """The code flow as a browser walks it: to the IdP, its login form, back with the code."""
        start = self.get("/ui/sso/login")
        assert start.status_code == 302, start.text
        to_idp = start.headers["Location"]
        form = dict(parse_qsl(urlsplit(to_idp).query))
        at_idp = requests.post(
            to_idp.split("?")[0],
            data={**form, "username": username, "password": password},
            allow_redirects=False,
            timeout=10,
        )
        assert at_idp.status_code == 302, at_idp.text
        back = urlsplit(at_idp.headers["Location"])
        return self.get(f"{back.path}?{back.query}")


class _Screenshots:
    """Where the browser tests put their screenshots (under the run's basetemp, never committed),
    and which they took, listed at the end of the run."""

    def __init__(self) -> None:
        self.paths: list[Path] = []
        self._dir: Path | None = None

    @property
    def dir(self) -> Path:
        assert self._dir is not None
        return self._dir


SCREENSHOTS = _Screenshots()


@pytest.fixture(scope="session", autouse=True)
def _screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> None:
    SCREENSHOTS._dir = tmp_path_factory.getbasetemp() / "ui-screenshots"
    SCREENSHOTS._dir.mkdir(exist_ok=True)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SCREENSHOTS.paths:
        terminalreporter.section("admin UI screenshots")
        for path in SCREENSHOTS.paths:
            terminalreporter.write_line(str(path))


@pytest.fixture
def idp() -> Iterator[FakeIdP]:
    server = FakeIdP([make_key("RS256", "rs-1")]).start()
    yield server
    server.stop()


def sso_env(idp: FakeIdP, **extra: str) -> dict[str, str]:
    return {
        "GENERIC_CLIENT_ID": idp.client_id,
        "GENERIC_CLIENT_SECRET": idp.client_secret,
        "GENERIC_DISCOVERY_URL": idp.discovery_url,
        "GENERIC_SCOPE": "openid email profile",
        **extra,
    }


@pytest.fixture
def ui_app(make_app: Callable[..., Flask], upstream) -> Callable[..., Flask]:
    def build(env: dict[str, str] | None = None, **config: Any) -> Flask:
        return make_app({"model_list": [model_entry("gpt-4o", upstream.base)], **config}, env=env or {})

    return build


@pytest.fixture
def browser(ui_app) -> Browser:
    return Browser(ui_app().test_client())
