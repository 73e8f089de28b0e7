"""`flask keys ...`: the operator CLI round trip, through the same service as /key/*."""

from __future__ import annotations

import json

import pytest

from gateway.headers import hash_secret
from tests.keys.conftest import chat

pytestmark = pytest.mark.parametrize("db_url", ["postgres", "sqlite"], indirect=True)


def run(app, *args: str) -> dict:
    result = app.test_cli_runner().invoke(args=["keys", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_cli_round_trip(kapp, kclient):
    made = run(
        kapp,
        "generate",
        "--models",
        "gpt-4o,gpt-mini",
        "--alias",
        "ops",
        "--duration",
        "7d",
        "--metadata",
        '{"owner": "ops"}',
    )
    key = made["key"]
    assert made["created_by"] == "cli" and made["models"] == ["gpt-4o", "gpt-mini"]
    assert chat(kclient, key).status_code == 200
    assert run(kapp, "info", key)["info"]["key_alias"] == "ops"
    assert [k["token"] for k in run(kapp, "list", "--alias", "ops")["keys"]] == [made["token"]]
    assert run(kapp, "update", key, "--models", "gpt-mini")["models"] == ["gpt-mini"]
    assert run(kapp, "block", key)["status"] == "blocked"
    assert chat(kclient, key, "gpt-mini").status_code == 401
    assert run(kapp, "unblock", made["token"])["status"] == "active"
    new = run(kapp, "regenerate", key, "--grace-period", "1h")["key"]
    assert (
        chat(kclient, key, "gpt-mini").status_code == 200
        and chat(kclient, new, "gpt-mini").status_code == 200
    )
    assert run(kapp, "delete", new)["deleted_keys"] == [hash_secret(new)]
    assert chat(kclient, new, "gpt-mini").status_code == 401


def test_cli_errors_are_one_line_and_non_zero(kapp):
    result = kapp.test_cli_runner().invoke(args=["keys", "generate", "--duration", "1y"])
    assert result.exit_code != 0 and "duration" in result.output and "Traceback" not in result.output
    result = kapp.test_cli_runner().invoke(args=["keys", "info", "sk-does-not-exist-0000000"])
    assert result.exit_code != 0 and "not found" in result.output.lower()
