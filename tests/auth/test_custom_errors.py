"""What a custom-auth function's exception means (gateway/auth/custom_errors.py, docs/custom_auth.md):
a documented denial is final in every mode, other exceptions never show their text, and a
BaseException (SystemExit, gevent.Timeout...) is a 503 in the envelope, never a dead worker."""

from __future__ import annotations

import shutil
from typing import Any

import pytest
import requests

from gateway.auth import custom_errors
from gateway.auth.custom_errors import BROKEN, REJECTED, TIMED_OUT
from tests.auth.conftest import CHAT, CUSTOM_KEY, FIXTURE, custom_calls, post
from tests.auth.test_custom_auth import key_for
from tests.conftest import MASTER, auth
from tests.support.live import LiveGateway


def envelope(message: str, type_: str, status: int) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": None, "code": str(status)}}


# --- C: secrets in relayed text -----------------------------------------------------------------


@pytest.mark.parametrize("mode", ["on", "auto"])
def test_unexpected_exception_text_never_reaches_the_client(custom_app, caplog, monkeypatch, mode):
    monkeypatch.setattr(custom_errors, "_quiet_until", 0.0)  # auto logs one INFO line a minute
    app = custom_app("leaks_secret", mode)
    key = "corp-key-0123456789" if mode == "on" else "sk-" + "u" * 30  # auto: unknown to every link
    resp = post(app, key)
    assert resp.status_code == 401
    body = resp.get_data(as_text=True)
    assert "hunter2" not in body and "postgresql" not in body
    if mode == "on":
        assert resp.json == envelope(REJECTED, "auth_error", 401)
    # The operator still sees what happened, without the key.
    assert "RuntimeError: connection to postgresql://auth:hunter2-db-password@" in caplog.text
    assert key not in caplog.text


def test_auto_mode_fall_throughs_log_one_info_line_a_minute(custom_app, caplog, monkeypatch):
    monkeypatch.setattr(custom_errors, "_quiet_until", 0.0)
    app = custom_app("seed_style", "auto")
    for _ in range(3):
        assert post(app, MASTER).status_code == 200
    infos = [r for r in caplog.records if r.name == "gateway.auth.custom" and r.levelname == "INFO"]
    assert len(infos) == 1 and "Exception: Authentication failed" in infos[0].getMessage()


# --- D: allow / abstain / deny, and unexpected errors, per mode ---------------------------------

# (mode, key, headers, status, message): `policy` allows CUSTOM keys, abstains on X-Test-Abstain,
# denies X-Test-Deny with CustomAuthError(403), raises ValueError for anything else.
OUTCOMES = [
    ("on", "custom", {}, 200, None),
    ("on", "master", {"X-Test-Abstain": MASTER}, 401, "Authentication Error, custom auth did not accept"),
    ("on", "master", {"X-Test-Deny": MASTER}, 403, "denied by policy"),
    ("on", "master", {}, 401, REJECTED),
    ("auto", "custom", {}, 200, None),
    ("auto", "master", {"X-Test-Abstain": MASTER}, 200, None),  # abstain: the master key link decides
    ("auto", "master", {"X-Test-Deny": MASTER}, 403, "denied by policy"),  # deny: final, even for it
    ("auto", "generated", {"X-Test-Deny": "generated"}, 403, "denied by policy"),
    ("auto", "master", {}, 200, None),  # unexpected error: the next link, as LiteLLM's auto mode
    ("auto", "generated", {}, 200, None),
    ("auto", "unknown", {}, 401, "Authentication Error, invalid API key."),
]


@pytest.mark.parametrize(
    ("mode", "key", "headers", "status", "message"),
    OUTCOMES,
    ids=[f"{r[0]}-{r[1]}-{'-'.join(r[2]) or 'none'}" for r in OUTCOMES],
)
def test_policy_outcomes_per_mode(custom_app, upstream, mode, key, headers, status, message):
    app = custom_app("policy", mode)
    value = "sk-" + "u" * 30 if key == "unknown" else key_for(app, key)
    headers = {name: (value if v == "generated" else v) for name, v in headers.items()}
    resp = post(app, value, **headers)
    assert resp.status_code == status, resp.json
    if message is not None:
        assert resp.json["error"]["message"].startswith(message)
    assert custom_calls(app) == [value]
    assert len(upstream.received) == (1 if status == 200 else 0)


@pytest.mark.parametrize("mode", ["on", "auto"])
def test_fastapi_and_litellm_client_exceptions_are_denials_in_every_mode(custom_app, upstream, mode):
    resp = post(custom_app("raises_fastapi", mode), MASTER)
    assert resp.json == envelope("team quota used up for <redacted>", "permission_denied", 403)
    resp = post(custom_app("raises_litellm", mode), MASTER)
    assert resp.json == envelope("Invalid API key", "auth_error", 401)
    assert upstream.received == []


# --- B: BaseException from the function ---------------------------------------------------------


@pytest.mark.parametrize("mode", ["on", "auto"])
@pytest.mark.parametrize("function", ["raises_base", "async_raises_base"])
@pytest.mark.parametrize("kind", ["SystemExit", "KeyboardInterrupt", "Fatal"])
def test_base_exception_is_a_503_in_the_envelope(custom_app, upstream, mode, function, kind):
    app = custom_app(function, mode)
    resp = post(app, MASTER, **{"X-Test-Raise": kind})
    assert resp.status_code == 503
    assert resp.json == envelope(BROKEN, "service_unavailable", 503)
    assert upstream.received == []


@pytest.mark.parametrize("function", ["times_out", "async_times_out"])
def test_gevent_timeout_is_a_503_saying_so(custom_app, function):
    resp = post(custom_app(function, "auto"), MASTER)
    assert resp.json == envelope(TIMED_OUT, "service_unavailable", 503)


def test_base_exceptions_under_gunicorn_gevent_are_answered_and_the_worker_lives_on(tmp_path, pg_url):
    """The real worker path: a sync function runs in the request's greenlet, an async one in
    gevent's thread pool; each kind gets its 503 envelope, no socket hangs, the worker serves on."""
    mock = {"model_name": "gpt-4o", "litellm_params": {"model": "openai/gpt-4o", "mock_response": "ok"}}
    gws = {}
    try:
        for function in ("raises_base", "async_raises_base", "times_out", "async_times_out"):
            general = {"custom_auth": f"custom_fns.{function}", "custom_auth_settings": {"mode": "auto"}}
            env = {"DATABASE_URL": pg_url, "LITELLM_MASTER_KEY": MASTER}
            gw = gws[function] = LiveGateway(
                tmp_path / function, {"model_list": [mock], "general_settings": general}, env
            )
            shutil.copy(FIXTURE, gw.workdir / "custom_fns.py")
            gw.start()
        for function, gw in gws.items():
            kinds = ["SystemExit", "KeyboardInterrupt", "Fatal"] if "raises" in function else ["timeout"]
            for kind in kinds * 2:  # twice: the same worker answers again after the first
                resp = requests.post(
                    gw.url + "/chat/completions",
                    json=CHAT,
                    headers={**auth(CUSTOM_KEY), "X-Test-Raise": kind},
                    timeout=10,
                )
                expected = TIMED_OUT if kind == "timeout" else BROKEN
                assert resp.status_code == 503, (function, kind, resp.text)
                assert resp.json() == envelope(expected, "service_unavailable", 503)
            health = requests.get(gw.url + "/health/liveliness", timeout=10)
            assert health.status_code == 200
            assert gw.log().count("Booting worker") == 1, gw.log()  # never restarted
    finally:
        for gw in gws.values():
            gw.stop()
