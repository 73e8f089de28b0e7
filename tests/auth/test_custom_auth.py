"""API.md §7, custom auth: loaded beside config.yaml, sync or async, on/auto/off, and never a way
around authorization. Each test copies a function module beside a config.yaml in tmp_path."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from typing import Any

import pytest
import requests
import yaml
from flask import Flask

from gateway.auth.custom import ABSTAINED, load_custom_auth
from gateway.auth.custom_errors import REJECTED
from gateway.settings import ConfigError, load_settings
from tests.auth.conftest import CHAT, CUSTOM_KEY, EXAMPLE, FIXTURE, custom_calls, post, write_config
from tests.conftest import MASTER, auth, model_entry
from tests.support.live import LiveGateway, clean_env
from tests.support.upstream import FakeUpstream

# --- the seed's example and the function's forms ---------------------------------------------


def test_seed_example_lets_my_custom_key_prefix_through_end_to_end(custom_app, upstream):
    app = custom_app("user_api_key_auth", source=EXAMPLE, module="custom_auth")
    resp = post(app, CUSTOM_KEY)
    assert resp.status_code == 200, resp.json
    got = upstream.received[-1]
    assert got.headers["authorization"] == "Bearer upstream-secret"  # the configured key, not the client's
    assert CUSTOM_KEY not in str(got.headers) and CUSTOM_KEY.encode() not in got.body

    for other in ("sk-someone-elses-key-1234", MASTER):  # `on` mode: the function alone decides
        resp = post(app, other)
        assert resp.status_code == 401
        assert resp.json["error"] == {
            "message": "Authentication failed",
            "type": "auth_error",
            "param": None,
            "code": "401",
        }
    assert len(upstream.received) == 1


@pytest.mark.parametrize("function", ["seed_style", "async_seed_style"])
def test_sync_and_async_functions_decide_alike(custom_app, upstream, function):
    app = custom_app(function)
    assert post(app, CUSTOM_KEY).status_code == 200
    denied = post(app, "not-my-prefix")  # a plain exception: a fixed message, whatever its text
    assert denied.status_code == 401 and denied.json["error"]["message"] == REJECTED
    assert custom_calls(app) == [CUSTOM_KEY, "not-my-prefix"]
    assert len(upstream.received) == 1


# --- modes: on / auto / off ---------------------------------------------------------------------

# A well-formed virtual key that no link knows, and a real one generated in the test's database.
UNKNOWN_VIRTUAL = "sk-" + "v" * 30
KEYS = {"master": MASTER, "virtual": UNKNOWN_VIRTUAL, "custom": CUSTOM_KEY}


def key_for(app: Flask, name: str) -> str:
    if name != "generated":
        return KEYS[name]
    from gateway.keys import service

    with app.app_context():  # straight through the service: in `on` mode the master key is refused
        return service.generate({}, "test")["key"]


# mode, key, status, whether the function was called. The function is the seed's: it raises for
# any key without the prefix.
MATRIX = [
    ("on", "master", 401, True),  # on: the function's answer is final, even for the master key
    ("on", "virtual", 401, True),
    ("on", "custom", 200, True),
    ("on", "generated", 401, True),  # on: a valid virtual key is refused when the function says so
    ("auto", "master", 200, True),  # auto: raising goes on to the master key...
    ("auto", "virtual", 401, True),  # ...and to virtual keys: an unknown one is still refused,
    ("auto", "generated", 200, True),  # a real one passes
    ("auto", "custom", 200, True),
    ("off", "master", 200, False),  # off: never called
    ("off", "virtual", 401, False),
    ("off", "generated", 200, False),
    ("off", "custom", 401, False),
]


@pytest.mark.parametrize(("mode", "key", "status", "called"), MATRIX, ids=[f"{r[0]}-{r[1]}" for r in MATRIX])
def test_mode_matrix(custom_app, upstream, mode, key, status, called):
    app = custom_app("seed_style", mode)
    value = key_for(app, key)
    resp = post(app, value)
    assert resp.status_code == status, resp.json
    assert custom_calls(app) == ([value] if called else None)
    assert len(upstream.received) == (1 if status == 200 else 0)


def test_on_mode_abstaining_is_401_even_for_the_master_key(custom_app, upstream):
    app = custom_app("abstains")  # on is the default
    for key in (MASTER, None):
        resp = post(app, key)
        assert resp.status_code == 401
        assert resp.json["error"]["message"] == ABSTAINED
    assert custom_calls(app) == [MASTER, None]  # no key: the function still decides, with None
    assert upstream.received == []


def test_auto_mode_goes_on_to_the_master_key_when_the_function_abstains(custom_app):
    app = custom_app("abstains", "auto")
    assert post(app, MASTER).status_code == 200
    assert post(app, "anything-else").status_code == 401
    assert post(app, None).json["error"]["message"] == "No api key passed in."
    assert custom_calls(app) == [MASTER, "anything-else", None]


def test_off_mode_neither_loads_nor_calls_the_function(make_app, tmp_path, upstream):
    general = {"custom_auth": "no_such_module_anywhere.fn", "custom_auth_settings": {"mode": "off"}}
    path = write_config(tmp_path, general, [model_entry("gpt-4o", upstream.base)])
    app = make_app(yaml.safe_load(path.read_text()), CONFIG_FILE_PATH=str(path))
    assert custom_calls(app) is None
    assert post(app, MASTER).status_code == 200


# --- authorization always runs on a custom principal ------------------------------------------


def test_custom_principal_is_refused_a_model_outside_its_models(custom_app, upstream):
    app = custom_app("from_header")
    principal = '{"user_id": "u1", "models": ["gpt-4o"]}'
    resp = post(app, "k", {**CHAT, "model": "other-model"}, **{"X-Test-Principal": principal})
    assert resp.status_code == 403 and resp.json["error"]["type"] == "permission_denied"
    assert resp.json["error"]["param"] == "model"
    assert upstream.received == []
    assert post(app, "k", **{"X-Test-Principal": principal}).status_code == 200


def test_custom_principal_allowed_routes_and_models_listing_are_enforced(custom_app, upstream):
    app = custom_app("from_header")
    embeddings_only = '{"allowed_routes": ["/embeddings"], "models": ["other-model"]}'
    resp = post(app, "k", **{"X-Test-Principal": embeddings_only})
    assert resp.status_code == 403 and resp.json["error"]["type"] == "permission_denied"
    models_only = '{"models": ["other-model"]}'
    listed = app.test_client().get("/models", headers={**auth("k"), "X-Test-Principal": models_only})
    assert [m["id"] for m in listed.json["data"]] == ["other-model"]
    assert upstream.received == []


def test_litellm_style_principal_object_is_accepted_and_authorized(custom_app, upstream):
    app = custom_app("as_object")
    assert post(app, "k").status_code == 200
    assert post(app, "k", {**CHAT, "model": "other-model"}).status_code == 403
    assert len(upstream.received) == 1


@pytest.mark.parametrize("mode", ["on", "auto"])
def test_invalid_principal_is_401_and_never_falls_through(custom_app, upstream, mode):
    app = custom_app("from_header", mode)
    # `model` is not a field: a typo must not become "every model", nor pass on to the master key.
    resp = post(app, MASTER, **{"X-Test-Principal": '{"model": ["gpt-4o"]}'})
    assert resp.status_code == 401
    assert resp.json["error"]["message"] == "custom auth returned an invalid principal: model (unknown field)"
    resp = post(app, MASTER, **{"X-Test-Principal": '{"role": "superuser"}'})
    assert resp.status_code == 401 and "invalid principal: role" in resp.json["error"]["message"]
    assert upstream.received == []


# --- exceptions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected", "type_"),
    [
        ("403", 403, "permission_denied"),
        ("429", 429, "rate_limit_error"),
        ("418", 418, "invalid_request_error"),
        ("503", 503, "service_unavailable"),
        ("302", 401, "auth_error"),
        ("401", 401, "auth_error"),
    ],
)
def test_documented_denial_keeps_its_status_and_message(custom_app, status, expected, type_):
    app = custom_app("denies_documented")
    resp = post(app, "k", **{"X-Test-Message": "no entry for you", "X-Test-Status": status})
    assert resp.status_code == expected
    assert resp.json["error"] == {
        "message": "no entry for you",
        "type": type_,
        "param": None,
        "code": str(expected),
    }


@pytest.mark.parametrize("headers", [{"X-Test-Status": "403"}, {"X-Test-Code": "429"}, {}])
def test_other_exceptions_are_401_with_a_fixed_message_whatever_they_carry(custom_app, headers):
    app = custom_app("raises")  # `Denied`: not the documented type, even with a status attribute
    resp = post(app, "k", **{"X-Test-Message": "no entry for you", **headers})
    assert resp.status_code == 401
    assert resp.json["error"] == {"message": REJECTED, "type": "auth_error", "param": None, "code": "401"}


def test_exception_message_never_echoes_the_key(custom_app, caplog):
    key = "corp-secret-value-12345"
    resp = post(custom_app("echoes_key"), key)
    assert resp.status_code == 401 and resp.json["error"]["message"] == REJECTED
    assert key.encode() not in resp.get_data()
    assert "ValueError: unknown key <redacted>" in caplog.text and key not in caplog.text
    # A documented denial that quotes the key has it redacted too.
    resp = post(custom_app("denies_documented"), key, **{"X-Test-Message": f"who is {key}?"})
    assert resp.json["error"]["message"] == "who is <redacted>?"


# --- loading ------------------------------------------------------------------------------------


def test_module_beside_config_wins_over_sys_path_without_shadowing_it(make_app, tmp_path, upstream):
    # A file named like a stdlib module: the one beside config.yaml is used, and `json` stays intact.
    (tmp_path / "json.py").write_text("def loads(request, api_key):\n    return {'user_id': 'beside'}\n")
    path = write_config(tmp_path, {"custom_auth": "json.loads"}, [model_entry("gpt-4o", upstream.base)])
    app = make_app(yaml.safe_load(path.read_text()), CONFIG_FILE_PATH=str(path))
    assert post(app, "k").status_code == 200
    assert sys.modules["json"].loads("[1]") == [1]


def test_dotted_module_in_a_folder_beside_config(make_app, tmp_path, upstream):
    (tmp_path / "corp").mkdir()
    (tmp_path / "corp" / "auth.py").write_text("def check(request, api_key):\n    return {'user_id': 'c'}\n")
    path = write_config(tmp_path, {"custom_auth": "corp.auth.check"}, [model_entry("gpt-4o", upstream.base)])
    app = make_app(yaml.safe_load(path.read_text()), CONFIG_FILE_PATH=str(path))
    assert post(app, "k").status_code == 200


def test_module_on_sys_path_when_none_is_beside_config(make_app, tmp_path, upstream):
    general = {"custom_auth": "tests.auth.fixtures.custom_fns.seed_style"}
    path = write_config(tmp_path, general, [model_entry("gpt-4o", upstream.base)])
    app = make_app(yaml.safe_load(path.read_text()), CONFIG_FILE_PATH=str(path))
    assert post(app, CUSTOM_KEY).status_code == 200
    assert post(app, MASTER).status_code == 401


@pytest.mark.parametrize(
    ("custom_auth", "message"),
    [
        ("no_such_mod_q.fn", "module 'no_such_mod_q' not found beside {path} nor on sys.path"),
        ("custom_fns.missing", "{dir}/custom_fns.py has no function 'missing'"),
        ("custom_fns.NOT_CALLABLE", "{dir}/custom_fns.py: 'NOT_CALLABLE' is not callable"),
        (
            "custom_fns.one_argument",
            "{dir}/custom_fns.py: one_argument() must accept two arguments (request, api_key)",
        ),
        ("broken.fn", "importing {dir}/broken.py failed: RuntimeError: boom at import"),
        (
            "tests.auth.fixtures.custom_fns.missing",
            "tests.auth.fixtures.custom_fns has no function 'missing'",
        ),
    ],
)
def test_start_up_errors_are_one_clear_line(tmp_path, custom_auth, message):
    shutil.copy(FIXTURE, tmp_path / "custom_fns.py")
    (tmp_path / "broken.py").write_text("raise RuntimeError('boom at import')\n")
    path = write_config(tmp_path, {"custom_auth": custom_auth}, [])
    with pytest.raises(ConfigError) as info:
        load_custom_auth(load_settings(path=str(path), environ={}))
    expected = message.format(path=path, dir=tmp_path)
    assert str(info.value) == f"config error in {path}: general_settings.custom_auth: {expected}"


def test_gateway_run_stops_before_serving_when_the_function_is_missing(tmp_path):
    shutil.copy(FIXTURE, tmp_path / "custom_fns.py")
    path = write_config(tmp_path, {"custom_auth": "custom_fns.missing"}, [])
    run = subprocess.run(
        [sys.executable, "-m", "gateway.cli.run", "run", "--config", str(path)],
        env=clean_env({"GATEWAY_INSTANCE_PATH": str(tmp_path / "instance")}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    line = f"{tmp_path}/custom_fns.py has no function 'missing'"
    assert (
        run.stderr.strip().splitlines()[-1] == f"config error in {path}: general_settings.custom_auth: {line}"
    )


# --- async under gevent -------------------------------------------------------------------------


def test_async_function_runs_under_gevent_without_blocking_other_requests(tmp_path, pg_url):
    """gunicorn's gevent worker: a slow async check (sleep, then real I/O to an auth service) holds
    only its own request; a second async check runs meanwhile."""
    auth_service = FakeUpstream("auth").start()
    mock = {"model_name": "gpt-4o", "litellm_params": {"model": "openai/gpt-4o", "mock_response": "ok"}}
    config = {"model_list": [mock], "general_settings": {"custom_auth": "custom_fns.slow_async_with_io"}}
    env = {
        "DATABASE_URL": pg_url,
        "LITELLM_MASTER_KEY": MASTER,
        "TEST_AUTH_SERVICE_PORT": str(auth_service.port),
    }
    gw = LiveGateway(tmp_path / "live", config, env)
    shutil.copy(FIXTURE, gw.workdir / "custom_fns.py")
    try:
        gw.start()
        slow: dict[str, Any] = {}

        def slow_call() -> None:
            started = time.monotonic()
            r = requests.post(
                gw.url + "/chat/completions",
                json=CHAT,
                headers={**auth(CUSTOM_KEY), "X-Test-Sleep": "0.8"},
                timeout=10,
            )
            slow.update(status=r.status_code, took=time.monotonic() - started)

        thread = threading.Thread(target=slow_call)
        thread.start()
        time.sleep(0.2)  # the slow check is now sleeping inside the worker
        started = time.monotonic()
        fast = requests.post(gw.url + "/chat/completions", json=CHAT, headers=auth(CUSTOM_KEY), timeout=10)
        fast_took = time.monotonic() - started
        thread.join(10)
        assert fast.status_code == 200, fast.text
        assert fast_took < 0.5, f"the fast request waited for the slow one ({fast_took:.2f} s)"
        assert slow["status"] == 200 and slow["took"] >= 0.8  # allowed after its I/O to the service
        denied = requests.post(gw.url + "/chat/completions", json=CHAT, headers=auth("other"), timeout=10)
        assert denied.status_code == 401 and denied.json()["error"]["message"] == REJECTED
        assert "Traceback" not in gw.log()  # a denial is not an error in the worker's log
    finally:
        gw.stop()
        auth_service.stop()
