"""Scheduled rotation with a long grace period: delivered once, the new key works, the old one too."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.jobs.conftest import rotation_config
from tests.jobs.test_key_jobs import job, sql
from tests.keys.conftest import Admin, chat


def test_rotation_with_a_fourteen_day_grace_delivers_once_and_both_keys_work(make_app, webhook, redis_url):
    app = make_app(rotation_config(webhook.url, grace="14d"), env={"REDIS_URL": redis_url})
    client = app.test_client()
    old = Admin(client).generate(auto_rotate=True, rotation_interval="30d")["key"]
    assert chat(client, old).status_code == 200  # cached before the rotation
    sql(app, "UPDATE verification_tokens SET rotation_at = :t", t="2020-01-01 00:00:00+00:00")
    assert job(app, "rotate_keys") == "1 rotated, 0 delivery failures"
    (delivery,) = webhook.deliveries
    payload = json.loads(delivery.body)
    new = payload["key"]
    in_14_days = datetime.now(UTC) + timedelta(days=14)
    assert abs(datetime.fromisoformat(payload["grace_until"]) - in_14_days) < timedelta(minutes=1)
    assert chat(client, new).status_code == 200
    assert chat(client, old).status_code == 200  # in its grace period
    (revoke_at,) = sql(app, "SELECT revoke_at FROM deprecated_tokens").scalars()
    assert abs(revoke_at - in_14_days) < timedelta(minutes=1)
    assert sql(app, "SELECT outcome FROM job_runs WHERE name = 'rotate_keys'").scalar() == "ok"
    assert job(app, "rotate_keys") == "0 due"  # the next run: nothing due, nothing delivered again
    assert len(webhook.deliveries) == 1


def test_a_key_whose_stored_interval_is_not_a_duration_is_not_delivered(make_app, webhook, redis_url):
    app = make_app(rotation_config(webhook.url), env={"REDIS_URL": redis_url})
    client = app.test_client()
    broken = Admin(client).generate(auto_rotate=True, rotation_interval="1h")["key"]
    fine = Admin(client).generate(auto_rotate=True, rotation_interval="1h")["key"]
    sql(app, "UPDATE verification_tokens SET rotation_at = :t", t="2020-01-01 00:00:00+00:00")
    sql(  # as an imported LiteLLM row might hold it
        app,
        "UPDATE verification_tokens SET rotation_interval = '1 year' WHERE key_name = :n",
        n="sk-..." + broken[-4:],
    )
    assert job(app, "rotate_keys") == "1 rotated, 0 delivery failures, 1 not rotatable"
    (delivery,) = webhook.deliveries
    assert json.loads(delivery.body)["key_name"] != "sk-..." + broken[-4:]
    assert chat(client, broken).status_code == 200 and chat(client, fine).status_code == 200
