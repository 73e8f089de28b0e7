"""GET /metrics in one process: what each counter counts, its labels, and who may read it."""

from __future__ import annotations

import pytest
import redis as redis_lib

from gateway.jobs.metrics import KEY as JOBS_KEY
from gateway.jobs.metrics import record_job
from gateway.settings import ConfigError, load_settings
from tests.conftest import MASTER, auth, model_entry
from tests.keys.conftest import MODELS, Admin, chat
from tests.metrics import sample, total
from tests.support.bus import settle
from tests.support.upstream import Behaviour

CHAT = "/v1/chat/completions"


@pytest.fixture
def mclient(make_app):
    return make_app(MODELS).test_client()


def test_requests_are_counted_by_rule_status_and_auth_method(mclient):
    labels = {"route": CHAT, "status": "200", "auth_method": "master_key"}
    before = sample(mclient, "gateway_requests_total", labels)
    for _ in range(3):
        assert chat(mclient, MASTER).status_code == 200
    assert sample(mclient, "gateway_requests_total", labels) == before + 3
    key = Admin(mclient).generate()["key"]
    vk = {"route": CHAT, "status": "200", "auth_method": "virtual_key"}
    before_vk = sample(mclient, "gateway_requests_total", vk)
    assert chat(mclient, key).status_code == 200
    assert sample(mclient, "gateway_requests_total", vk) == before_vk + 1


def test_unknown_paths_share_one_label_and_never_appear_raw(mclient):
    labels = {"route": "<unmatched>", "status": "404", "auth_method": "none"}
    before = sample(mclient, "gateway_requests_total", labels)
    for i in range(5):
        assert mclient.get(f"/no/such/path-{i}-sk-secretish").status_code == 404
    text = mclient.get("/metrics").get_data(as_text=True)
    assert sample(mclient, "gateway_requests_total", labels) == before + 5
    assert "/no/such" not in text and "secretish" not in text


def test_path_parameters_are_labelled_by_their_rule(mclient):
    key = Admin(mclient).generate()["key"]
    resp = mclient.post(f"/key/{key}/regenerate", json={}, headers=auth())
    assert resp.status_code == 200
    text = mclient.get("/metrics").get_data(as_text=True)
    assert 'route="/key/<key>/regenerate"' in text
    assert key not in text


@pytest.mark.parametrize(
    ("headers", "model", "reason"),
    [
        ({}, "gpt-4o", "no_key"),
        ({"Authorization": "Basic abc"}, "gpt-4o", "malformed_header"),
        ({"Authorization": "Bearer sk-not-a-key-000000000000"}, "gpt-4o", "invalid_key"),
    ],
)
def test_auth_failures_are_counted_by_reason(mclient, headers, model, reason):
    before = sample(mclient, "gateway_auth_failures_total", {"reason": reason})
    resp = mclient.post(CHAT, json={"model": model, "messages": []}, headers=headers)
    assert resp.status_code == 401
    assert sample(mclient, "gateway_auth_failures_total", {"reason": reason}) == before + 1


def test_key_state_and_authorization_failures_have_their_own_reasons(mclient):
    admin = Admin(mclient)
    blocked = admin.generate(blocked=True)["key"]
    narrow = admin.generate(models=["gpt-mini"])["key"]
    expected = {"blocked_key": 1, "model_not_allowed": 1, "admin_only": 1}
    before = {r: sample(mclient, "gateway_auth_failures_total", {"reason": r}) for r in expected}
    assert chat(mclient, blocked).status_code == 401
    assert chat(mclient, narrow, model="gpt-4o").status_code == 403
    assert mclient.post("/key/generate", json={}, headers=auth(narrow)).status_code == 403
    after = {r: sample(mclient, "gateway_auth_failures_total", {"reason": r}) for r in expected}
    assert {r: after[r] - before[r] for r in expected} == expected


def test_other_errors_and_successes_count_no_auth_failure(mclient):
    before = total(mclient, "gateway_auth_failures_total")
    assert chat(mclient, MASTER).status_code == 200
    assert chat(mclient, MASTER, model="no-such-model").status_code == 400
    assert mclient.get("/nowhere").status_code == 404
    assert total(mclient, "gateway_auth_failures_total") == before


def test_key_cache_answers_are_counted_by_layer(make_app, redis_url):
    a = make_app(MODELS, env={"REDIS_URL": redis_url})
    b = make_app(MODELS, env={"REDIS_URL": redis_url})
    ca, cb = a.test_client(), b.test_client()
    key = Admin(ca).generate()["key"]
    settle(b, redis_url)  # B subscribed (which clears its L1) and A's invalidations delivered
    layers = ("l1", "l2", "db", "miss", "negative")
    before = {r: sample(cb, "gateway_keycache_lookups_total", {"result": r}) for r in layers}
    assert chat(cb, key).status_code == 200  # B has never seen it: L2 (written by A's generate)
    assert chat(cb, key).status_code == 200  # now L1
    assert chat(cb, key).status_code == 200
    unknown = "sk-unknown-key-0000000000000"
    assert chat(cb, unknown).status_code == 401  # database: unknown
    assert chat(cb, unknown).status_code == 401  # negative entry
    after = {r: sample(cb, "gateway_keycache_lookups_total", {"result": r}) for r in layers}
    assert {r: after[r] - before[r] for r in layers} == {"l1": 2, "l2": 1, "db": 0, "miss": 1, "negative": 1}


def test_upstream_latency_is_the_time_to_the_response_head(make_app, upstream):
    client = make_app({"model_list": [model_entry("gpt-4o", upstream.base)]}).test_client()
    upstream.behaviour = Behaviour(delay=0.3)
    ok = {"model": "gpt-4o", "outcome": "ok"}
    count0 = sample(client, "gateway_upstream_latency_seconds_count", ok)
    sum0 = sample(client, "gateway_upstream_latency_seconds_sum", ok)
    fast0 = sample(client, "gateway_upstream_latency_seconds_bucket", {**ok, "le": "0.25"})
    assert chat(client, MASTER).status_code == 200
    assert sample(client, "gateway_upstream_latency_seconds_count", ok) == count0 + 1
    assert 0.3 <= sample(client, "gateway_upstream_latency_seconds_sum", ok) - sum0 < 2.0
    assert sample(client, "gateway_upstream_latency_seconds_bucket", {**ok, "le": "0.25"}) == fast0


def test_upstream_timeouts_are_observed_as_such(make_app, upstream):
    entry = model_entry("gpt-4o", upstream.base, timeout=0.2)
    client = make_app({"model_list": [entry]}).test_client()
    upstream.behaviour = Behaviour(delay=1.0)
    before = sample(
        client, "gateway_upstream_latency_seconds_count", {"model": "gpt-4o", "outcome": "timeout"}
    )
    assert chat(client, MASTER).status_code == 504
    assert (
        sample(client, "gateway_upstream_latency_seconds_count", {"model": "gpt-4o", "outcome": "timeout"})
        == before + 1
    )


def test_job_runs_without_redis_are_kept_in_process(mclient):
    labels = {"job": "test_local_job", "outcome": "ok"}
    before = sample(mclient, "gateway_job_runs_total", labels)
    with mclient.application.app_context():
        record_job("test_local_job", "ok", 0.25)
        record_job("test_local_job", "ok", 0.5)
    assert sample(mclient, "gateway_job_runs_total", labels) == before + 2
    assert sample(mclient, "gateway_job_seconds_total", labels) >= 0.75
    assert sample(mclient, "gateway_job_last_run_timestamp_seconds", labels) > 1.7e9


def test_job_runs_go_to_redis_so_every_web_process_reports_them(make_app, redis_url):
    worker_side = make_app(MODELS, env={"REDIS_URL": redis_url})
    web_side = make_app(MODELS, env={"REDIS_URL": redis_url}).test_client()
    with worker_side.app_context():
        record_job("flush_usage", "ok", 0.1)
        record_job("flush_usage", "error", 2.0)
    assert sample(web_side, "gateway_job_runs_total", {"job": "flush_usage", "outcome": "ok"}) == 1
    assert sample(web_side, "gateway_job_runs_total", {"job": "flush_usage", "outcome": "error"}) == 1
    assert sample(web_side, "gateway_job_seconds_total", {"job": "flush_usage", "outcome": "error"}) == 2.0
    assert redis_lib.Redis.from_url(redis_url).exists(JOBS_KEY)


def test_the_job_runner_records_every_run(make_app, redis_url):
    from gateway.jobs import run

    app = make_app(MODELS, env={"REDIS_URL": redis_url})
    labels = {"job": "expire_keys", "outcome": "ok"}
    with app.app_context():
        run("expire_keys", locked=False)
        run("expire_keys", locked=False)
    assert sample(app.test_client(), "gateway_job_runs_total", labels) == 2


def test_recording_a_job_never_fails_the_job_when_redis_is_down(make_app):
    app = make_app(MODELS, env={"REDIS_URL": "redis://127.0.0.1:1/0"})
    with app.app_context():
        record_job("expire_keys", "ok", 0.01)  # logged, not raised
    assert app.test_client().get("/metrics").status_code == 200  # and the scrape still answers


@pytest.mark.parametrize(
    ("name", "outcome", "seconds"),
    [
        ("", "ok", 1),
        ("a|b", "ok", 1),
        ("x" * 65, "ok", 1),
        ("j", "fine", 1),
        ("j", "ok", -1),
    ],
)
def test_record_job_refuses_unbounded_labels(name, outcome, seconds):
    with pytest.raises(ValueError):
        record_job(name, outcome, seconds)


def test_metrics_are_public_by_default_like_litellm(mclient):
    resp = mclient.get("/metrics")
    assert resp.status_code == 200
    assert resp.content_type.startswith("text/plain")
    assert "gateway_requests_total" in resp.get_data(as_text=True)


def test_require_auth_for_metrics_endpoint_admits_admins_and_scrape_keys_only(make_app):
    client = make_app(
        {**MODELS, "litellm_settings": {"require_auth_for_metrics_endpoint": True}}
    ).test_client()
    admin = Admin(client)
    user_key = admin.generate()["key"]
    scrape_key = admin.generate(allowed_routes=["/metrics"])["key"]
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=auth(user_key)).status_code == 403
    assert client.get("/metrics", headers=auth(MASTER)).status_code == 200
    assert client.get("/metrics", headers=auth(scrape_key)).status_code == 200
    assert chat(client, scrape_key).status_code == 403  # a scrape key can do nothing else


def test_metrics_auth_setting_is_implemented_and_validated():
    settings = load_settings(
        raw={"litellm_settings": {"require_auth_for_metrics_endpoint": True}}, environ={}
    )
    assert settings.metrics_require_auth is True
    assert not any("require_auth_for_metrics_endpoint" in name for name in settings.ignored)
    with pytest.raises(ConfigError, match="require_auth_for_metrics_endpoint"):
        load_settings(raw={"litellm_settings": {"require_auth_for_metrics_endpoint": "yes"}}, environ={})
