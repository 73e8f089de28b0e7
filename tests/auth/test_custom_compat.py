"""A custom_auth.py written for LiteLLM runs with only its imports changed (gateway/compat/,
gateway/auth/custom_request.py): FastAPI's Request API, LiteLLM's UserAPIKeyAuth and exceptions."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from gateway.auth import INVALID
from gateway.auth.custom_errors import REJECTED
from gateway.stages import stages
from tests.auth.conftest import CHAT, CUSTOM_KEY, FIXTURE, post, write_config
from tests.conftest import MASTER, auth, model_entry
from tests.support.live import LiveGateway

FIXTURES = Path(__file__).parent / "fixtures"

# LiteLLM's documented example (docs/my-website/docs/proxy/custom_auth.md), exactly, but for its
# two import lines (`from fastapi import Request`, `from litellm.proxy._types import UserAPIKeyAuth`).
LITELLM_DOCS_FUNCTION = (FIXTURES / "litellm_docs_custom_auth.py.txt").read_text()

# The seed article's function (seeds/000_33669d836c91d04b.txt), exactly, but for its two import lines.
SEED_ARTICLE_FUNCTION = (FIXTURES / "seed_article_custom_auth.py.txt").read_text()


@pytest.fixture
def module_app(make_app, tmp_path, upstream):
    """An app whose custom_auth.py beside config.yaml is `source`."""

    def factory(source: str, mode: str | None = None, **general: Any):
        (tmp_path / "custom_auth.py").write_text(source)
        general = {"custom_auth": "custom_auth.user_api_key_auth", **general}
        if mode is not None:
            general["custom_auth_settings"] = {"mode": mode}
        path = write_config(tmp_path, general, [model_entry("gpt-4o", upstream.base)])
        return make_app(yaml.safe_load(path.read_text()), CONFIG_FILE_PATH=str(path))

    return factory


def error(message: str, status: int = 401, type_: str = "auth_error") -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": None, "code": str(status)}}


# --- the two LiteLLM functions, unchanged but for their imports --------------------------------


@pytest.mark.parametrize(
    ("mode", "key", "status", "body"),
    [
        ("on", "sk-my-master-key", 200, None),
        ("on", "sk-wrong-key-0000000000", 401, error(REJECTED)),  # `except: raise Exception`: fixed text
        ("on", MASTER, 401, error(REJECTED)),  # on: the function alone decides
        ("auto", "sk-my-master-key", 200, None),
        ("auto", "sk-wrong-key-0000000000", 401, error(INVALID)),  # auto: on to the other links, which refuse
        ("auto", MASTER, 200, None),  # ...or accept the gateway's own master key
    ],
)
def test_litellm_docs_function_runs_with_only_its_imports_changed(
    module_app, upstream, mode, key, status, body
):
    app = module_app(LITELLM_DOCS_FUNCTION, mode)
    resp = post(app, key)
    assert resp.status_code == status, resp.json
    if body is not None:
        assert resp.json == body
    assert len(upstream.received) == (1 if status == 200 else 0)


@pytest.mark.parametrize("mode", ["on", "auto"])
def test_seed_article_function_runs_with_only_its_imports_changed(module_app, upstream, mode):
    app = module_app(SEED_ARTICLE_FUNCTION, mode)
    assert post(app, CUSTOM_KEY).status_code == 200
    wrong = post(app, "not-my-custom-key")
    assert wrong.status_code == 401
    assert wrong.json == error(REJECTED if mode == "on" else INVALID)  # never "Authentication failed"
    assert post(app, None).status_code == 401  # None.startswith: an error inside the function, still 401
    assert post(app, MASTER).status_code == (401 if mode == "on" else 200)


def test_compat_exceptions_are_documented_denials_even_in_auto_mode(module_app, upstream):
    source = """\
from gateway.compat.fastapi import HTTPException, Request, status
from gateway.compat.litellm import ProxyException

async def user_api_key_auth(request: Request, api_key: str):
    if request.url.path.endswith("/embeddings"):
        raise ProxyException(message="embeddings are closed", type="auth_error", param=None, code=403)
    raise HTTPException(status_code=status.HTTP_429_TOO_MANY_REQUESTS, detail="slow down")
"""
    app = module_app(source, "auto")
    resp = post(app, MASTER)
    assert resp.status_code == 429 and resp.json == error("slow down", 429, "rate_limit_error")
    resp = post(app, MASTER, {"model": "gpt-4o", "input": "x"}, path="/embeddings")
    assert resp.json == error("embeddings are closed", 403, "permission_denied")
    assert upstream.received == []


def test_a_typo_in_user_api_key_auth_is_refused_not_widened(module_app, upstream, caplog):
    source = """\
from gateway.compat.litellm import UserAPIKeyAuth

def user_api_key_auth(request, api_key):
    return UserAPIKeyAuth(api_key=api_key, model=["gpt-4o"])
"""
    resp = post(module_app(source), "corp-key-0123456789")
    assert resp.json == error(REJECTED)
    assert "unexpected keyword argument 'model'" in caplog.text
    assert upstream.received == []


# --- the request object ------------------------------------------------------------------------


def custom_app_with(make_app, tmp_path, upstream, function: str, **general: Any):
    shutil.copy(FIXTURE, tmp_path / "custom_fns.py")
    general = {"custom_auth": f"custom_fns.{function}", **general}
    path = write_config(tmp_path, general, [model_entry("gpt-4o", upstream.base)])
    return make_app(yaml.safe_load(path.read_text()), CONFIG_FILE_PATH=str(path))


def test_request_offers_what_litellm_functions_read_and_the_body_still_reaches_upstream(
    make_app, tmp_path, upstream
):
    app = custom_app_with(make_app, tmp_path, upstream, "reads_everything")
    body = {**CHAT, "user": "alice"}
    resp = post(app, "k", body, path="/chat/completions?team=t1", **{"X-Tenant": "acme"})
    assert resp.status_code == 200, resp.json
    seen = stages(app).auth.links[0].fn.__globals__["SEEN"]
    raw = seen[0].pop("raw")
    assert seen == [
        {
            "header": "acme",
            "header_any_case": "acme",
            "has_header": True,
            "path": "/chat/completions",
            "url": "http://localhost/chat/completions?team=t1",
            "method": "POST",
            "query": "t1",
            "client": "127.0.0.1",
            "body_user": "alice",
            "flask_path": "/chat/completions",
        }
    ]
    import orjson

    assert orjson.loads(raw) == body
    assert orjson.loads(upstream.received[-1].body)["messages"] == CHAT["messages"]  # read again after
    resp = post(app, "k", {**CHAT, "user": "bob"}, **{"X-Tenant": "acme"})
    assert resp.json == error("user 'bob' may not call this gateway", 403, "permission_denied")


def test_body_over_the_limit_is_413_even_when_the_function_swallows_the_error(make_app, tmp_path, upstream):
    app = custom_app_with(make_app, tmp_path, upstream, "reads_body_and_swallows", max_request_size_mb=0.001)
    resp = post(app, "k", {**CHAT, "padding": "x" * 5000})
    assert resp.status_code == 413 and resp.json["error"]["type"] == "invalid_request_error"
    assert upstream.received == []


def test_async_function_reads_the_body_under_gunicorn_gevent(tmp_path: Path, pg_url):
    """The real path: the async function runs in gevent's thread pool, and its body read hops back
    to the worker's hub; content-length and chunked bodies alike, then the proxy reads them again."""
    mock = {"model_name": "gpt-4o", "litellm_params": {"model": "openai/gpt-4o", "mock_response": "ok"}}
    config = {"model_list": [mock], "general_settings": {"custom_auth": "custom_fns.reads_everything"}}
    gw = LiveGateway(tmp_path / "live", config, {"DATABASE_URL": pg_url, "LITELLM_MASTER_KEY": MASTER})
    shutil.copy(FIXTURE, gw.workdir / "custom_fns.py")
    headers = {**auth("k"), "X-Tenant": "acme", "Content-Type": "application/json"}
    import orjson

    try:
        gw.start()
        url = gw.url + "/chat/completions?team=t1"
        alice = orjson.dumps({**CHAT, "user": "alice"})
        resp = requests.post(url, data=alice, headers=headers, timeout=10)
        assert resp.status_code == 200, resp.text
        assert resp.json()["choices"][0]["message"]["content"] == "ok"
        chunked = requests.post(url, data=iter([alice[:10], alice[10:]]), headers=headers, timeout=10)
        assert chunked.status_code == 200, chunked.text
        bob = requests.post(url, data=orjson.dumps({**CHAT, "user": "bob"}), headers=headers, timeout=10)
        assert bob.status_code == 403 and "'bob'" in bob.json()["error"]["message"]
    finally:
        gw.stop()
