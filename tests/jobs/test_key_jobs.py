"""expire_keys, rotate_keys (with the signed webhook), warm_key_cache: each end to end, each twice."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import redis as redis_lib
from sqlalchemy import text

from gateway.extensions import db
from gateway.headers import hash_secret
from gateway.jobs import run
from tests.jobs.conftest import SECRET
from tests.keys.conftest import Admin, chat


def sql(app, statement: str, **params):
    with app.app_context():
        result = db.session.execute(text(statement), params)
        db.session.commit()
        return result


def job(app, name: str) -> str:
    with app.app_context():
        return run(name, locked=False)


def test_expire_keys_invalidates_audits_once_and_info_shows_expired(japp):
    client = japp.test_client()
    made = Admin(client).generate(duration="1h")
    assert chat(client, made["key"]).status_code == 200  # cached in L1 and L2
    sql(
        japp,
        "UPDATE verification_tokens SET expires = :t WHERE token = :h",
        t="2020-01-01 00:00:00+00:00",
        h=made["token"],
    )
    assert job(japp, "expire_keys") == "1 expired, 0 grace periods ended"
    resp = chat(client, made["key"])
    assert resp.status_code == 401 and resp.json["error"]["type"] == "expired_key"
    assert Admin(client).get("/key/info", key=made["token"])["info"]["status"] == "expired"
    assert job(japp, "expire_keys") == "0 expired, 0 grace periods ended"
    audits = sql(japp, "SELECT actor, action FROM audit_events WHERE action = 'expire'").all()
    assert audits == [("system:expire_keys", "expire")]


def test_expire_keys_removes_old_hashes_whose_grace_ended(japp):
    client = japp.test_client()
    old = Admin(client).generate()["key"]
    Admin(client).post("/key/regenerate", {"key": old, "grace_period": "1h"})
    sql(japp, "UPDATE deprecated_tokens SET revoke_at = :t", t="2020-01-01 00:00:00+00:00")
    assert job(japp, "expire_keys") == "0 expired, 1 grace periods ended"
    assert sql(japp, "SELECT count(*) FROM deprecated_tokens").scalar() == 0
    assert chat(client, old).status_code == 401


def test_rotate_keys_delivers_a_signed_new_key_then_rotates(japp, webhook):
    client = japp.test_client()
    made = Admin(client).generate(auto_rotate=True, rotation_interval="1h", key_alias="rotating")
    old = made["key"]
    assert job(japp, "rotate_keys") == "0 due"
    sql(japp, "UPDATE verification_tokens SET rotation_at = :t", t="2020-01-01 00:00:00+00:00")
    assert job(japp, "rotate_keys") == "1 rotated, 0 delivery failures"
    (delivery,) = webhook.deliveries
    expected = "sha256=" + hmac.new(SECRET.encode(), delivery.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(delivery.headers["x-gateway-signature"], expected)
    payload = json.loads(delivery.body)
    new = payload["key"]
    assert payload["event"] == "key.rotated" and payload["key_alias"] == "rotating"
    assert payload["old_token"] == hash_secret(old) and payload["new_token"] == hash_secret(new)
    assert chat(client, new).status_code == 200 and chat(client, old).status_code == 200  # grace
    info = Admin(client).get("/key/info", key=new)["info"]
    assert info["rotation_at"] > "2026" and info["key_alias"] == "rotating"
    assert job(japp, "rotate_keys") == "0 due"  # twice: nothing more
    assert len(webhook.deliveries) == 1
    stored = (
        sql(japp, "SELECT * FROM verification_tokens").all() + sql(japp, "SELECT * FROM audit_events").all()
    )
    assert new not in repr(stored)  # delivered, never stored


def test_a_failed_delivery_leaves_the_key_as_it_was(japp, webhook, monkeypatch):
    import gateway.webhooks as hook

    monkeypatch.setattr(hook, "BACKOFF", 0.01)  # keep the retries fast; the attempts are real HTTP
    client = japp.test_client()
    made = Admin(client).generate(auto_rotate=True, rotation_interval="1h")
    sql(japp, "UPDATE verification_tokens SET rotation_at = :t", t="2020-01-01 00:00:00+00:00")
    webhook.status = 500
    assert job(japp, "rotate_keys") == "0 rotated, 1 delivery failures"
    assert webhook.refused == hook.ATTEMPTS
    assert chat(client, made["key"]).status_code == 200
    assert sql(japp, "SELECT token FROM verification_tokens").scalar() == made["token"]
    webhook.status = 200
    assert job(japp, "rotate_keys") == "1 rotated, 0 delivery failures"


def test_rotation_without_a_webhook_does_not_rotate(make_app, redis_url):
    from tests.keys.conftest import MODELS

    app = make_app(MODELS, env={"REDIS_URL": redis_url})
    made = Admin(app.test_client()).generate(auto_rotate=True, rotation_interval="1h")
    sql(app, "UPDATE verification_tokens SET rotation_at = :t", t="2020-01-01 00:00:00+00:00")
    assert job(app, "rotate_keys") == "1 due, no webhook configured"
    assert sql(app, "SELECT token FROM verification_tokens").scalar() == made["token"]


def test_flask_keys_rotate_due(japp, webhook):
    made = Admin(japp.test_client()).generate(auto_rotate=True, rotation_interval="1h")
    sql(japp, "UPDATE verification_tokens SET rotation_at = :t", t="2020-01-01 00:00:00+00:00")
    result = japp.test_cli_runner().invoke(args=["keys", "rotate", "--due"])
    assert result.exit_code == 0 and "1 rotated" in result.output
    assert json.loads(webhook.deliveries[0].body)["old_token"] == made["token"]


def test_warm_key_cache_loads_recently_used_keys_into_l2(japp, redis_url):
    client = japp.test_client()
    used, idle = Admin(client).generate(), Admin(client).generate()
    r = redis_lib.Redis.from_url(redis_url)
    r.delete("gw:key:" + used["token"], "gw:key:" + idle["token"])
    sql(
        japp,
        "UPDATE verification_tokens SET last_used_at = :t WHERE token = :h",
        t="2099-01-01 00:00:00+00:00",
        h=used["token"],
    )
    assert job(japp, "warm_key_cache") == "1 recently used, 1 written to L2"
    assert r.exists("gw:key:" + used["token"]) and not r.exists("gw:key:" + idle["token"])
    assert job(japp, "warm_key_cache") == "1 recently used, 0 written to L2"


def test_the_runner_claims_each_interval_once(japp):
    with japp.app_context():
        assert run("heartbeat") != "skipped"
        assert run("heartbeat") == "skipped"  # a second beat's tick in the same interval
        rows = db.session.execute(text("SELECT runs, outcome FROM job_runs WHERE name='heartbeat'")).all()
    assert rows == [(1, "ok")]


def test_flask_jobs_status_and_run(japp):
    runner = japp.test_cli_runner()
    assert "never" in runner.invoke(args=["jobs", "status"]).output
    assert runner.invoke(args=["jobs", "run", "expire_keys"]).exit_code == 0
    out = runner.invoke(args=["jobs", "status"]).output
    line = next(x for x in out.splitlines() if x.startswith("expire_keys"))
    assert "ok" in line and "0 expired" in line and "2026" in line
    assert runner.invoke(args=["jobs", "run", "nope"]).exit_code != 0


def test_a_failing_job_is_recorded_as_an_error(japp, monkeypatch):
    from gateway.jobs import registry

    monkeypatch.setitem(registry.JOBS, "heartbeat", registry.Job("heartbeat", lambda: 1 / 0, 300))
    with japp.app_context():
        assert run("heartbeat", locked=False) == "error"
        row = db.session.execute(text("SELECT outcome, detail FROM job_runs WHERE name='heartbeat'")).one()
    assert row.outcome == "error" and "ZeroDivisionError" in row.detail
    time.sleep(0)
