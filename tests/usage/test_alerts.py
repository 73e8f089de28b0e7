"""Budget alerts to a webhook (gateway/alerts.py, docs/alerts.md): a soft budget crossed at the
flush is sent by the deliver_alerts job to WEBHOOK_URL as LiteLLM's WebhookEvent, once; a
receiver that fails loses nothing; the settings are LiteLLM's (`alerting: ["webhook"]`,
`alert_types`), and what is not built is reported."""

from __future__ import annotations

import json

import pytest

import gateway.webhooks as hook
from gateway.jobs import run
from gateway.settings import ConfigError, load_settings
from gateway.values import hash_secret
from gateway.webhooks import sign
from tests.conftest import auth
from tests.keys.conftest import Admin
from tests.usage.conftest import priced_models, ship_and_flush

SECRET = "alert-signing-secret-0123"


@pytest.fixture
def alerting_app(make_app, upstream, redis_url, webhook):
    def build(general: dict | None = None, env: dict | None = None):
        config = priced_models(upstream.base)
        config["general_settings"] = {"alerting": ["webhook"], **(general or {})}
        return make_app(config, env={"REDIS_URL": redis_url, "WEBHOOK_URL": webhook.url, **(env or {})})

    return build


def cross_soft_budgets(app) -> str:
    """A key and its team, each with a soft budget the first request crosses; flushed."""
    client = app.test_client()
    admin = Admin(client)
    admin.post(
        "/team/new", {"team_id": "t-alert", "team_alias": "alerts", "soft_budget": 1e-9, "max_budget": 50}
    )
    key = admin.generate(team_id="t-alert", soft_budget=1e-9, key_alias="alerted")["key"]
    resp = client.post("/v1/chat/completions", json={"model": "mock", "messages": []}, headers=auth(key))
    assert resp.status_code == 200
    ship_and_flush(app)
    return key


def deliver(app) -> str:
    with app.app_context():
        return run("deliver_alerts", locked=False)


def test_a_soft_budget_crossed_is_sent_once_as_litellms_webhook_event(alerting_app, webhook):
    app = alerting_app({"alerting_webhook_secret": SECRET})
    key = cross_soft_budgets(app)
    assert deliver(app) == "2 alert(s) sent"
    events = [json.loads(d.body) for d in webhook.deliveries]
    by_group = {e["event_group"]: e for e in events}
    assert sorted(by_group) == ["key", "team"]
    k, t = by_group["key"], by_group["team"]
    assert k["event"] == t["event"] == "soft_budget_crossed"
    assert k["token"] == hash_secret(key) and k["key_alias"] == "alerted" and k["team_id"] == "t-alert"
    assert key not in json.dumps(events)  # the key itself never leaves
    assert t["team_alias"] == "alerts" and t["max_budget"] == 50
    assert k["spend"] > k["soft_budget"] == 1e-9
    assert "Soft Budget Crossed" in k["event_message"]
    for d in webhook.deliveries:  # signed as the rotation webhook is
        assert d.headers["x-gateway-signature"] == sign(SECRET, d.body)
        assert d.headers["x-gateway-event"] == "soft_budget_crossed"
    # Sent once: another run has nothing to send, and the event ids were distinct.
    assert deliver(app) == "0 alert(s) sent"
    assert len(webhook.deliveries) == 2 and len({e["event_id"] for e in events}) == 2


def test_a_failing_receiver_loses_no_alert(alerting_app, webhook, monkeypatch):
    monkeypatch.setattr(hook, "BACKOFF", 0.01)
    app = alerting_app()
    cross_soft_budgets(app)
    webhook.status = 500
    assert deliver(app) == "error"  # the run is marked failed ...
    assert webhook.refused == hook.ATTEMPTS and not webhook.deliveries
    webhook.status = 200
    assert deliver(app) == "2 alert(s) sent"  # ... and the next one sends everything
    assert "x-gateway-signature" not in webhook.deliveries[0].headers  # no secret: unsigned, as LiteLLM


def test_alert_types_without_budget_alerts_sends_none(alerting_app, webhook):
    app = alerting_app({"alert_types": ["llm_exceptions"]})
    cross_soft_budgets(app)
    assert deliver(app) == "alerting: webhook not configured"
    assert not webhook.deliveries


def test_without_alerting_the_job_sends_nothing(make_app, upstream, redis_url, webhook):
    app = make_app(priced_models(upstream.base), env={"REDIS_URL": redis_url, "WEBHOOK_URL": webhook.url})
    cross_soft_budgets(app)
    assert deliver(app) == "alerting: webhook not configured"
    assert not webhook.deliveries


def settings(general: dict, env: dict | None = None):
    return load_settings(raw={"general_settings": general}, environ=env or {})


def test_channels_and_types_not_built_are_reported_as_ignored():
    s = settings({"alerting": ["slack", "webhook"], "alert_types": ["budget_alerts", "llm_too_slow"]},
                 {"WEBHOOK_URL": "https://alerts.example/hook"})  # fmt: skip
    assert s.alerting.budget_webhook and s.alerting.webhook_url == "https://alerts.example/hook"
    assert {"general_settings.alerting: slack", "general_settings.alert_types: llm_too_slow"} <= set(
        s.ignored
    )


@pytest.mark.parametrize(
    ("general", "env", "where", "message"),
    [
        ({"alerting": ["webhook"]}, {}, "WEBHOOK_URL", "must be set"),
        ({"alerting": ["webhook"]}, {"WEBHOOK_URL": "ftp://x/y"}, "WEBHOOK_URL", "http(s) URL"),
        ({"alerting": "webhook"}, {}, "general_settings.alerting", "must be a list of names"),
        ({"alert_types": [1]}, {}, "general_settings.alert_types", "must be a list of names"),
        ({"alerting_webhook_secret": "short"}, {}, "general_settings.alerting_webhook_secret", "16+"),
    ],
)
def test_bad_alerting_settings_are_refused_naming_the_setting(general, env, where, message):
    with pytest.raises(ConfigError) as err:
        settings(general, env)
    assert where in str(err.value) and message in str(err.value)
