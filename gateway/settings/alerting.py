"""Alerts (docs/alerts.md), by LiteLLM's names: `general_settings.alerting: ["webhook"]` sends
budget alerts to the `WEBHOOK_URL` environment variable as LiteLLM's `WebhookEvent` JSON;
`alert_types`, when given, must list `budget_alerts` for them to be sent. Our own
`alerting_webhook_secret` signs each delivery (`X-Gateway-Signature`, as the rotation webhook).
The other channels LiteLLM knows (slack, email, ...) and alert types are reported as ignored."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ConfigError

CHANNELS = frozenset({"webhook"})  # built; LiteLLM also knows slack, email, discord, msteams...
ALERT_TYPES = frozenset({"budget_alerts"})  # built; the others LiteLLM knows are reported ignored
_URL = re.compile(r"^https?://[^/\s]+")


@dataclass(frozen=True)
class AlertSettings:
    webhook_url: str | None = field(default=None, repr=False)  # None: no alert; may hold a token
    webhook_secret: str | None = field(default=None, repr=False)
    budget_alerts: bool = True  # `alert_types` names them, or is absent

    @property
    def budget_webhook(self) -> bool:
        return self.webhook_url is not None and self.budget_alerts


def _names(value: Any, source: str, key: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(source, key, f"must be a list of names, got {value!r}")
    return [v.strip() for v in value]


def parse_alerting(
    general: Mapping[str, Any], env: Mapping[str, str], source: str, ignored: list[str]
) -> AlertSettings:
    channels = _names(general.get("alerting"), source, "general_settings.alerting")
    types = _names(general.get("alert_types"), source, "general_settings.alert_types")
    ignored.extend(f"general_settings.alerting: {c}" for c in channels if c not in CHANNELS)
    ignored.extend(f"general_settings.alert_types: {t}" for t in types if t not in ALERT_TYPES)
    secret = general.get("alerting_webhook_secret")
    if secret is not None and (not isinstance(secret, str) or len(secret) < 16):
        raise ConfigError(source, "general_settings.alerting_webhook_secret", "needs 16+ characters to sign")
    if "webhook" not in channels:
        return AlertSettings()
    url = (env.get("WEBHOOK_URL") or "").strip()
    if not url:
        raise ConfigError(source, "WEBHOOK_URL", "must be set when general_settings.alerting lists webhook")
    if not _URL.match(url):
        raise ConfigError(source, "WEBHOOK_URL", "must be an http(s) URL")  # not echoed: it may hold a token
    budget = not types or "budget_alerts" in types
    return AlertSettings(webhook_url=url, webhook_secret=secret, budget_alerts=budget)
