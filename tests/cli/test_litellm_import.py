"""`flask litellm import`: a LiteLLM database (its Prisma schema, tests/support/litellm_schema.sql)
moved into the gateway; every key then answers on /chat/completions as its LiteLLM row says."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from psycopg import sql
from psycopg.types.json import Jsonb

from gateway.values import hash_secret
from tests.keys.conftest import MODELS, chat

SCHEMA = Path(__file__).parents[1] / "support" / "litellm_schema.sql"
LITELLM_MASTER = "sk-litellm-master-9999"
NOW = datetime.now(UTC).replace(tzinfo=None)  # Prisma's timestamp(3) holds naive UTC
DAY1, DAY2 = NOW - timedelta(days=2), NOW - timedelta(days=1)


def _insert(conn: psycopg.Connection, table: str, **row: Any) -> None:
    values = [Jsonb(v) if isinstance(v, dict) or (isinstance(v, list) and v and isinstance(v[0], dict)) else v
              for v in row.values()]  # fmt: skip
    query = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
        sql.Identifier(table),
        sql.SQL(", ").join(map(sql.Identifier, row)),
        sql.SQL(", ").join(sql.Placeholder() * len(row)),
    )
    conn.execute(query, values)


# plaintext -> the LiteLLM row's fields (token is its sha256 unless `plaintext_stored`)
KEYS: dict[str, dict[str, Any]] = {
    "sk-ann-gpt4o-only-0001": dict(key_alias="ann-key", models=["gpt-4o"], user_id="ann", team_id="t1",
                                   metadata={"env": "prod"}, spend=0.5, max_budget=10.0,
                                   allowed_routes=["llm_api_routes"]),
    "sk-bob-every-model-0002": dict(models=[], user_id="bob", tpm_limit=10**12, model_spend={"gpt-mini": 0.5}),
    "sk-expired-key-0003": dict(models=[], user_id="ann", expires=NOW - timedelta(days=1)),
    "sk-blocked-key-0004": dict(models=["gpt-4o"], user_id="bob", blocked=True),
    "sk-one-rpm-key-0005": dict(models=["gpt-4o"], budget_id="b_rpm1"),
    "sk-over-budget-0006": dict(models=[], max_budget=1.0, spend=2.0),
    "sk-blocked-team-0007": dict(models=[], team_id="t_blocked"),
    "sk-unknown-owner-0008": dict(models=["gpt-mini"], user_id="ghost-owner", organization_id="acme"),
    "sk-duplicate-alias-0009": dict(key_alias="ann-key", models=["gpt-mini"], user_id="ann",
                                    expires=NOW + timedelta(days=30)),
    "sk-plaintext-old-0010": dict(models=["gpt-4o"], plaintext_stored=True),
    LITELLM_MASTER: dict(models=[], user_id="default_user_id", key_alias="litellm-master"),
    "sk-ui-session-0011": dict(models=[], team_id="litellm-dashboard", user_id="ann"),
    "sk-rotating-key-0012": dict(models=["gpt-4o", "gpt-mini"], auto_rotate=True, rotation_interval="30d",
                                 key_rotation_at=NOW + timedelta(days=30), config={"x": 1}, budget_id="b_soft"),
    "sk-rotating-no-date-0014": dict(models=[], auto_rotate=True, rotation_interval="7d"),
    "sk-team-models-0013": dict(models=["all-team-models"], team_id="t1", user_id="bob"),
}  # fmt: skip
TEAM_MODELS = {"t1": ["gpt-4o", "gpt-mini"]}
USER_MODELS = {"bob": ["gpt-4o"]}  # a user's models narrow its personal keys (LiteLLM's can_user_call_model)
MEMBER_MODELS = {("t1", "bob"): ["gpt-4o"]}  # the membership's budget row (b_member) allowed_models
SKIPPED = {LITELLM_MASTER, "sk-ui-session-0011"}


def token_of(plaintext: str) -> str:
    return plaintext if KEYS[plaintext].get("plaintext_stored") else hash_secret(plaintext)


def fill(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(SCHEMA.read_text())
        budget = dict(created_by="admin", updated_by="admin")
        _insert(conn, "LiteLLM_BudgetTable", budget_id="b_org", max_budget=100.0, rpm_limit=1000, **budget)
        _insert(conn, "LiteLLM_BudgetTable", budget_id="b_member", max_budget=5.0, tpm_limit=5000,
                allowed_models=["gpt-4o"], budget_duration="30d", **budget)  # fmt: skip
        _insert(conn, "LiteLLM_BudgetTable", budget_id="b_rpm1", rpm_limit=1, **budget)
        _insert(conn, "LiteLLM_BudgetTable", budget_id="b_cust", max_budget=3.0, tpm_limit=100, **budget)
        _insert(conn, "LiteLLM_BudgetTable", budget_id="b_soft", soft_budget=2.0, max_budget=50.0, **budget)
        _insert(conn, "LiteLLM_OrganizationTable", organization_id="acme", organization_alias="Acme",
                budget_id="b_org", models=["gpt-4o", "gpt-mini"], spend=4.25, metadata={"tier": "gold"},
                model_spend={"gpt-4o": 4.25}, created_by="admin", updated_by="admin")  # fmt: skip
        _insert(
            conn, "LiteLLM_ModelTable", aliases={"fast": "gpt-mini"}, created_by="admin", updated_by="admin"
        )
        users = [
            dict(user_id="ann", user_email="ann@x.io", user_role="internal_user", models=[], spend=1.0,
                 teams=["t1"], password="hashed-ui-password"),
            dict(user_id="bob", user_email="bob@x.io", user_role="internal_user_viewer", models=["gpt-4o"],
                 max_budget=20.0, budget_duration="7d", budget_reset_at=NOW + timedelta(days=7)),
            dict(user_id="default_user_id", user_role="proxy_admin", models=[]),
            dict(user_id="cat", user_role="app_owner", models=[], metadata={"team": "x"}),
            dict(user_id="dan", user_role=None, models=[], teams=["t1"], organization_id="acme"),
        ]  # fmt: skip
        for u in users:
            _insert(conn, "LiteLLM_UserTable", **u)
        members = [{"role": "admin", "user_id": "ann", "user_email": "ann@x.io"},
                   {"role": "user", "user_id": "bob", "user_email": None},
                   {"role": "user", "user_id": None, "user_email": "ghost@x.io"}]  # fmt: skip
        _insert(conn, "LiteLLM_TeamTable", team_id="t1", team_alias="Team One", organization_id="acme",
                models=["gpt-4o", "gpt-mini"], members_with_roles=members, max_budget=50.0, spend=2.0,
                rpm_limit=100, model_id=1, team_member_permissions=["/key/info", "/key/generate"],
                router_settings={"retries": 2}, admins=[], members=[])  # fmt: skip
        _insert(
            conn, "LiteLLM_TeamTable", team_id="t_blocked", models=[], blocked=True, admins=[], members=[]
        )
        _insert(conn, "LiteLLM_TeamMembership", user_id="bob", team_id="t1", spend=1.5, total_spend=3.0,
                budget_id="b_member")  # fmt: skip
        _insert(
            conn,
            "LiteLLM_OrganizationMembership",
            user_id="ann",
            organization_id="acme",
            user_role="org_admin",
        )
        _insert(conn, "LiteLLM_OrganizationMembership", user_id="bob", organization_id="acme",
                user_role="internal_user", spend=0.7)  # fmt: skip
        _insert(conn, "LiteLLM_EndUserTable", user_id="cust1", alias="Customer One", budget_id="b_cust",
                spend=0.25, default_model="gpt-4o", allowed_model_region="eu")  # fmt: skip
        _insert(conn, "LiteLLM_EndUserTable", user_id="cust2", blocked=True)
        for plaintext, fields in KEYS.items():
            row = {k: v for k, v in fields.items() if k != "plaintext_stored"}
            _insert(conn, "LiteLLM_VerificationToken", token=token_of(plaintext), key_name="sk-..." + plaintext[-4:],
                    created_by="admin", **row)  # fmt: skip
        logs = [
            ("r1", "sk-ann-gpt4o-only-0001", DAY1, "gpt-4o", 0.01, 10, 5, "success"),
            ("r2", "sk-ann-gpt4o-only-0001", DAY1, "gpt-4o", 0.02, 20, 10, "success"),
            ("r3", "sk-ann-gpt4o-only-0001", DAY2, "gpt-4o", 0.03, 30, 15, "failure"),
            ("r4", "sk-bob-every-model-0002", DAY2, "gpt-mini", 0.5, 100, 50, "success"),
        ]
        for rid, key, when, model, cost, p, c, status in logs:
            _insert(conn, "LiteLLM_SpendLogs", request_id=rid, call_type="acompletion", api_key=hash_secret(key),
                    spend=cost, prompt_tokens=p, completion_tokens=c, total_tokens=p + c, startTime=when,
                    endTime=when, model="openai/" + model, model_group=model, status=status)  # fmt: skip
        _insert(conn, "LiteLLM_SpendLogs", request_id="r5", call_type="acompletion", api_key="", spend=9.0,
                startTime=DAY2, endTime=DAY2, model="gpt-4o")  # fmt: skip


@pytest.fixture
def litellm_url(fresh_pg: str) -> str:
    fill(fresh_pg)
    return fresh_pg


@pytest.fixture
def gapp(make_app, redis_url):
    return make_app(MODELS, env={"REDIS_URL": redis_url})


def run_import(app, url: str, *extra: str, ok: bool = True) -> dict[str, Any]:
    args = ["litellm", "import", "--from", url, "--master-key", LITELLM_MASTER, *extra]
    result = app.test_cli_runner().invoke(args=args)
    assert "Traceback" not in result.output
    assert (result.exit_code == 0) is ok, result.output
    return json.loads(result.output[: result.output.rindex("}") + 1])


def dump(db_url: str) -> dict[str, list[tuple]]:
    """Every row of every gateway table, as text, in a stable order (either database lane)."""
    engine = sa.create_engine(db_url)
    try:
        meta = sa.MetaData()
        meta.reflect(engine)
        with engine.connect() as conn:
            return {
                name: sorted(tuple(map(str, r)) for r in conn.execute(sa.select(table)))
                for name, table in sorted(meta.tables.items())
                if name != "alembic_version"
            }
    finally:
        engine.dispose()


def expected(plaintext: str, model: str) -> int:
    """The status LiteLLM's row implies for a first request: 401 unknown/expired/blocked,
    403 model not allowed, 429 over budget, else 200."""
    row = KEYS[plaintext]
    if plaintext in SKIPPED:
        return 401
    if (
        (row.get("expires") and row["expires"] < NOW)
        or row.get("blocked")
        or row.get("team_id") == "t_blocked"
    ):
        return 401
    models = row["models"]
    if "all-team-models" in models:
        models = TEAM_MODELS[row["team_id"]]
    if models and model not in models:
        return 403
    if row.get("team_id"):
        level = MEMBER_MODELS.get((row["team_id"], row.get("user_id")))
    else:
        level = USER_MODELS.get(row.get("user_id", ""))
    if level and model not in level:
        return 403
    if row.get("max_budget") is not None and row.get("spend", 0) >= row["max_budget"]:
        return 429
    return 200


@pytest.mark.parametrize("db_url", ["postgres", "sqlite"], indirect=True)
def test_every_imported_key_answers_as_its_litellm_row_says(gapp, litellm_url):
    client = gapp.test_client()
    assert chat(client, "sk-ann-gpt4o-only-0001").status_code == 401  # unknown, and cached as unknown

    report = run_import(gapp, litellm_url)

    assert report["completed"] is True
    for plaintext in KEYS:
        for model in ("gpt-4o", "gpt-mini"):
            assert chat(client, plaintext, model).status_code == expected(plaintext, model), (
                plaintext,
                model,
            )
    assert chat(client, "sk-one-rpm-key-0005").status_code == 429  # rpm_limit 1 from its budget_id
    assert chat(client, "sk-ann-gpt4o-only-0001", "gpt-mini").json["error"]["type"] == "permission_denied"

    keys = report["tables"]["LiteLLM_VerificationToken"]
    assert (keys["read"], keys["imported"], keys["skipped"]) == (len(KEYS), len(KEYS) - 2, 2)
    why = {r["why"] for r in keys["skipped_rows"]}
    assert any("master key" in w for w in why) and any("UI session" in w for w in why)
    conflicts = " | ".join(c["detail"] for c in keys["conflict_rows"])
    assert "key_alias 'ann-key'" in conflicts and "plaintext" in conflicts and "ghost-owner" in conflicts
    assert "tpm_limit 1000000000000" in conflicts and "all-team-models" not in conflicts  # kept as is
    assert keys["fields_not_kept"] == {"model_spend": 1}  # the rest has a column or extra_settings
    users = report["tables"]["LiteLLM_UserTable"]
    assert users["fields_not_kept"]["password"] == 1 and users["fields_not_kept"]["organization_id"] == 1
    assert any("'app_owner'" in c["detail"] for c in users["conflict_rows"])
    assert report["tables"]["LiteLLM_TeamTable"]["fields_not_kept"]["router_settings"] == 1
    members = report["tables"]["LiteLLM_TeamMembership"]
    assert (members["imported"], members["skipped"]) == (3, 1)  # ann, bob, dan; the email-only member
    assert "ghost@x.io" in members["skipped_rows"][0]["why"]


def test_imported_rows_keep_litellm_fields(gapp, litellm_url, db_url):
    run_import(gapp, litellm_url)
    client = gapp.test_client()
    from tests.conftest import auth

    info = client.get("/key/info", query_string={"key": "sk-ann-gpt4o-only-0001"}, headers=auth()).json[
        "info"
    ]
    assert (
        info["key_alias"] == "ann-key"
        and info["models"] == ["gpt-4o"]
        and info["metadata"] == {"env": "prod"}
    )
    assert (info["user_id"], info["team_id"], info["spend"], info["max_budget"]) == ("ann", "t1", 0.5, 10.0)
    assert info["allowed_routes"] == ["llm_api_routes"]
    rotating = client.get("/key/info", query_string={"key": "sk-rotating-key-0012"}, headers=auth()).json[
        "info"
    ]
    assert rotating["auto_rotate"] is True and rotating["rotation_interval"] == "30d"
    due = client.get("/key/info", query_string={"key": "sk-rotating-no-date-0014"}, headers=auth()).json[
        "info"
    ]
    assert due["rotation_at"] is not None  # LiteLLM had none: one interval from the import
    assert rotating["soft_budget"] == 2.0 and rotating["max_budget"] == 50.0  # from its budget_id
    assert client.get("/key/info", query_string={"key": "sk-duplicate-alias-0009"},
                      headers=auth()).json["info"]["key_alias"] is None  # fmt: skip
    team = client.get("/team/info", query_string={"team_id": "t1"}, headers=auth()).json
    team = team.get("team_info", team)
    assert team["organization_id"] == "acme" and team["model_aliases"] == {"fast": "gpt-mini"}
    roles = {m["user_id"]: m["role"] for m in team["members_with_roles"]}
    assert roles == {"ann": "admin", "bob": "user", "dan": "user"}
    with psycopg.connect(db_url.replace("+psycopg", "")) as conn:
        bob = conn.execute(
            "SELECT max_budget_in_team, tpm_limit, allowed_models, spend, budget_duration FROM team_memberships"
            " WHERE user_id='bob'"
        ).fetchone()
        assert bob == (5.0, 5000, ["gpt-4o"], 1.5, "30d")
        assert conn.execute("SELECT user_role FROM users WHERE user_id='cat'").fetchone() == (
            "internal_user_viewer",
        )
        assert conn.execute("SELECT max_budget, rpm_limit, spend FROM organizations").fetchone() == (
            100.0,
            1000,
            4.25,
        )
        roles = dict(conn.execute("SELECT user_id, user_role FROM organization_memberships").fetchall())
        assert roles == {"ann": "org_admin", "bob": "internal_user"}
        customers = conn.execute(
            "SELECT user_id, max_budget, tpm_limit, blocked FROM customers ORDER BY 1"
        ).fetchall()
        assert customers == [("cust1", 3.0, 100, False), ("cust2", None, None, True)]
        daily = conn.execute(
            "SELECT day, key_hash, model, requests, prompt_tokens, completion_tokens, errors FROM daily_usage"
            " ORDER BY day, model"
        ).fetchall()
        ann, bob_key = hash_secret("sk-ann-gpt4o-only-0001"), hash_secret("sk-bob-every-model-0002")
        assert daily == [
            (DAY1.date(), ann, "gpt-4o", 2, 30, 15, 0),
            (DAY2.date(), ann, "gpt-4o", 1, 30, 15, 1),
            (DAY2.date(), bob_key, "gpt-mini", 1, 100, 50, 0),
        ]
        assert conn.execute("SELECT count(*) FROM verification_tokens WHERE token = %s",
                            [hash_secret(LITELLM_MASTER)]).fetchone() == (0,)  # fmt: skip
        assert conn.execute("SELECT count(*) FROM litellm_import_checkpoints").fetchone() == (0,)


@pytest.mark.parametrize("db_url", ["postgres", "sqlite"], indirect=True)
def test_a_second_run_changes_nothing(gapp, litellm_url, db_url):
    run_import(gapp, litellm_url)
    before = dump(db_url)
    report = run_import(gapp, litellm_url)
    assert dump(db_url) == before
    for name, table in report["tables"].items():
        assert table["imported"] == table["updated"] == 0, name
    assert report["tables"]["LiteLLM_VerificationToken"]["unchanged"] == len(KEYS) - 2


def test_a_changed_litellm_row_is_updated_and_felt_at_once(gapp, litellm_url):
    client = gapp.test_client()
    run_import(gapp, litellm_url)
    assert chat(client, "sk-bob-every-model-0002", "gpt-4o").status_code == 200
    with psycopg.connect(litellm_url, autocommit=True) as conn:
        conn.execute('UPDATE "LiteLLM_VerificationToken" SET blocked = true WHERE token = %s',
                     [hash_secret("sk-bob-every-model-0002")])  # fmt: skip
    report = run_import(gapp, litellm_url)
    assert report["tables"]["LiteLLM_VerificationToken"]["updated"] == 1
    assert chat(client, "sk-bob-every-model-0002", "gpt-4o").status_code == 401


def test_dry_run_writes_nothing(gapp, litellm_url, db_url):
    before = dump(db_url)
    report = run_import(gapp, litellm_url, "--dry-run")
    assert (
        report["dry_run"] is True
        and report["tables"]["LiteLLM_VerificationToken"]["imported"] == len(KEYS) - 2
    )
    assert report["tables"]["LiteLLM_TeamMembership"]["imported"] == 3  # later tables saw earlier batches
    assert dump(db_url) == before
    assert chat(gapp.test_client(), "sk-ann-gpt4o-only-0001").status_code == 401


def test_a_failure_in_batch_2_keeps_batch_1_and_a_rerun_completes(gapp, litellm_url, db_url):
    order = sorted(token_of(k) for k in KEYS)  # the source's order, skipped rows included
    poison = order[2]  # the first row of the second batch of 2
    plain_db = db_url.replace("+psycopg", "")
    stored = hash_secret(poison) if poison.startswith("sk-") else poison
    with psycopg.connect(plain_db, autocommit=True) as conn:
        conn.execute(f"ALTER TABLE verification_tokens ADD CONSTRAINT h19_poison CHECK (token <> '{stored}')")

    failed = run_import(gapp, litellm_url, "--batch-size", "2", ok=False)

    assert failed["completed"] is False and "LiteLLM_VerificationToken, batch 2" in failed["error"]
    with psycopg.connect(plain_db, autocommit=True) as conn:
        present = {r[0] for r in conn.execute("SELECT token FROM verification_tokens")}
        first = {hash_secret(t) if t.startswith("sk-") else t for t in order[:2]} - {
            hash_secret(LITELLM_MASTER)
        }
        second = {hash_secret(t) if t.startswith("sk-") else t for t in order[2:4]}
        assert first <= present and not (second & present)  # batch 1 committed, batch 2 rolled back
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] >= 5  # earlier tables complete
        conn.execute("ALTER TABLE verification_tokens DROP CONSTRAINT h19_poison")

    resumed = run_import(gapp, litellm_url, "--batch-size", "2")

    keys = resumed["tables"]["LiteLLM_VerificationToken"]
    assert keys["resumed_after"] == [order[1]] and keys["read"] == len(KEYS) - 2
    assert resumed["tables"]["LiteLLM_UserTable"]["resumed_after"] == "complete in an earlier run"
    client = gapp.test_client()
    for plaintext in KEYS:
        assert chat(client, plaintext, "gpt-4o").status_code == expected(plaintext, "gpt-4o"), plaintext
    after = dump(db_url)
    run_import(gapp, litellm_url, "--batch-size", "2")
    assert dump(db_url) == after


def test_a_database_that_is_not_litellms_is_refused(gapp, fresh_pg):
    report = run_import(gapp, fresh_pg, ok=False)
    assert "Not a LiteLLM database" in report["error"]


def test_an_unreachable_source_is_a_clear_error(gapp):
    result = gapp.test_cli_runner().invoke(
        args=["litellm", "import", "--from", "postgresql://postgres@127.0.0.1:1/none"]
    )
    assert result.exit_code != 0 and "Cannot read LiteLLM's database" in result.output
    assert "Traceback" not in result.output


def test_a_rerun_keeps_spend_and_usage_the_gateway_metered(gapp, litellm_url, db_url):
    run_import(gapp, litellm_url)
    ann = hash_secret("sk-ann-gpt4o-only-0001")
    plain_db = db_url.replace("+psycopg", "")
    with psycopg.connect(plain_db, autocommit=True) as conn:  # as the flush job leaves a used key
        conn.execute(
            "UPDATE verification_tokens SET spend = 0.9, last_used_at = now() WHERE token = %s", [ann]
        )
        conn.execute(
            "UPDATE daily_usage SET requests = requests + 5, cost = cost + 1 WHERE key_hash = %s AND day = %s",
            [ann, DAY2.date()],
        )
    with psycopg.connect(litellm_url, autocommit=True) as conn:  # LiteLLM served meanwhile too
        conn.execute('UPDATE "LiteLLM_VerificationToken" SET spend = 0.7 WHERE token = %s', [ann])
        _insert(conn, "LiteLLM_SpendLogs", request_id="r6", call_type="acompletion", api_key=ann, spend=0.5,
                prompt_tokens=1, completion_tokens=1, startTime=DAY2, endTime=DAY2, model="gpt-4o",
                model_group="gpt-4o", status="success")  # fmt: skip

    report = run_import(gapp, litellm_url)

    conflicts = report["tables"]["LiteLLM_VerificationToken"]["conflict_rows"]
    assert any("spend 0.7 in LiteLLM, 0.9 here" in c["detail"] for c in conflicts)
    with psycopg.connect(plain_db) as conn:
        assert conn.execute("SELECT spend FROM verification_tokens WHERE token = %s", [ann]).fetchone() == (
            0.9,
        )
        day2 = conn.execute(
            "SELECT requests, round(cost::numeric, 6) FROM daily_usage WHERE key_hash = %s AND day = %s",
            [ann, DAY2.date()],
        ).fetchone()
        assert day2 == (5 + 2, Decimal("1.53"))  # the gateway's 5 requests + LiteLLM's 2 now
    before = dump(db_url)
    run_import(gapp, litellm_url)
    assert dump(db_url) == before


def test_a_second_import_at_the_same_time_is_refused(gapp, litellm_url, redis_url, db_url):
    import redis

    from gateway.compat.litellm_import.run import LEASE

    redis.Redis.from_url(redis_url).set(LEASE, "someone-else", px=60_000)
    before = dump(db_url)
    report = run_import(gapp, litellm_url, ok=False)
    assert "Another `flask litellm import` is running" in report["error"]
    assert dump(db_url) == before


def test_a_checkpoint_never_holds_a_plaintext_key():
    from gateway.compat.litellm_import import source
    from gateway.compat.litellm_import.run import _checkpoint_of

    hexed = hash_secret("sk-a-0001")
    batch = [{"token": hexed}, {"token": "sk-plaintext-old-0010"}]
    assert _checkpoint_of(source.KEYS, batch, None) == [hexed]
    assert _checkpoint_of(source.KEYS, [{"token": "sk-plaintext-old-0010"}], ["abc"]) == ["abc"]
    logs = [{"day": "2026-01-01", "api_key": "sk-old-logged-0001", "model": "m"}]
    assert _checkpoint_of(source.SPEND, logs, None) is None


def test_the_source_is_opened_read_only(litellm_url):
    from gateway.compat.litellm_import.source import Source

    source = Source(litellm_url)
    try:
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            source.conn.execute('DELETE FROM "LiteLLM_VerificationToken"')
    finally:
        source.close()
    with psycopg.connect(litellm_url) as conn:
        assert conn.execute('SELECT count(*) FROM "LiteLLM_VerificationToken"').fetchone() == (len(KEYS),)


@pytest.mark.parametrize(
    ("stored", "imported"),
    [("monthly", "30d"), ("Daily", "24h"), ("weekly", "7d"), ("hourly", "1h"), ("3600", "3600s"),
     ("1mo", "1mo"), ("30d", "30d"), ("30days", None), ("", None), (None, None)],
)  # fmt: skip
def test_litellm_budget_durations_are_imported_in_a_form_the_reset_job_reads(stored, imported):
    # LiteLLM reads its words and a bare number (seconds); a value neither side can read is
    # imported as no duration, named in the report, instead of one the reset job cannot parse.
    from gateway.compat.litellm_import import mapping

    out = mapping.team_member("user", {}, {"budget_duration": stored})
    assert out.values["budget_duration"] == imported
    assert bool(out.conflicts) == (stored not in (None,) and imported is None)
