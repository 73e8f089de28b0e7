"""`flask users|teams|orgs ...`: round trips through the same services as /user/*, /team/*, /organization/*."""

from __future__ import annotations

import json

import pytest

from tests.keys.conftest import MODELS, chat

pytestmark = pytest.mark.parametrize("db_url", ["postgres", "sqlite"], indirect=True)


@pytest.fixture
def capp(make_app):
    return make_app(MODELS)


def run(app, *args: str):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def fails(app, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code != 0 and "Traceback" not in result.output
    return result.output


def test_orgs_teams_users_round_trip(capp):
    client = capp.test_client()
    org = run(
        capp, "orgs", "new", "Acme", "--id", "acme", "--models", "gpt-4o,gpt-mini", "--max-budget", "10"
    )
    assert org["organization_id"] == "acme" and org["models"] == ["gpt-4o", "gpt-mini"]
    assert run(capp, "orgs", "update", "acme", "--json", '{"metadata": {"tier": "gold"}}')["metadata"] == {
        "tier": "gold"
    }
    assert run(capp, "orgs", "block", "acme")["blocked"] is True
    assert run(capp, "orgs", "unblock", "acme")["blocked"] is False
    assert [o["organization_id"] for o in run(capp, "orgs", "list")] == ["acme"]

    user = run(capp, "users", "new", "ann", "--email", "ann@x.io", "--models", "gpt-4o")
    assert user["key"].startswith("sk-") and chat(client, user["key"]).status_code == 200
    assert run(capp, "users", "update", "ann", "--alias", "Ann")["user_alias"] == "Ann"
    assert run(capp, "users", "info", "ann")["user_info"]["user_email"] == "ann@x.io"
    assert "ann" in json.dumps(run(capp, "users", "list"))

    assert run(capp, "teams", "new", "t1", "--org", "acme", "--models", "gpt-4o")["team_id"] == "t1"
    run(capp, "teams", "member-add", "t1", "ann", "--role", "admin")
    assert "ann" in json.dumps(run(capp, "teams", "info", "t1"))
    run(capp, "teams", "member-delete", "t1", "ann")
    assert "Team One" in json.dumps(run(capp, "teams", "update", "t1", "--alias", "Team One"))
    run(capp, "teams", "block", "t1")
    run(capp, "teams", "unblock", "t1")
    assert "t1" in json.dumps(run(capp, "teams", "list"))

    members = run(capp, "orgs", "member-add", "acme", "ann", "--role", "internal_user")
    assert members["updated_organization_memberships"][0]["user_role"] == "internal_user"
    assert (
        run(capp, "orgs", "member-update", "acme", "ann", "--role", "org_admin")["user_role"] == "org_admin"
    )
    assert [m["user_id"] for m in run(capp, "orgs", "info", "acme")["members"]] == ["ann"]
    run(capp, "orgs", "member-delete", "acme", "ann")

    run(capp, "teams", "delete", "t1")
    run(capp, "users", "delete", "ann")
    assert chat(client, user["key"]).status_code == 401  # the user's key went with it
    assert run(capp, "orgs", "delete", "acme")[0]["organization_id"] == "acme"
    events = client.get("/audit", query_string={"actor": "cli", "page_size": "500"},
                        headers={"Authorization": "Bearer sk-test-master-key-0001"}).json  # fmt: skip
    assert {e["object_type"] for e in events["audit_logs"]} >= {
        "organization",
        "user",
        "team",
        "organization_member",
    }


def test_cli_errors_are_one_line_and_non_zero(capp):
    assert "not found" in fails(capp, "orgs", "info", "nope").lower()
    assert "budget_duration" in fails(capp, "orgs", "new", "x", "--budget-duration", "1y")
    assert "JSON object" in fails(capp, "teams", "new", "t", "--json", "[1]")
    assert "user_role" in fails(capp, "users", "new", "u", "--role", "emperor")
