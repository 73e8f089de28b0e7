"""Budget alerts to a webhook (docs/alerts.md): the `deliver_alerts` job sends every soft-budget
crossing the usage flush recorded (an audit event, `soft_budget_crossed`) to `WEBHOOK_URL`, as
LiteLLM's `WebhookEvent` JSON, in order, at least once.

The audit events are the outbox: a crossing is recorded in the flush's own transaction, so it is
never lost or sent for spend that was rolled back, and the flush never waits on a receiver. The
job keeps how far it got (`gateway_meta` `alerts.delivered_through`, the last event id sent) and
moves it after each delivery; a receiver that keeps failing stops the run, and the next run
starts again from that event (receivers dedupe on `event_id`). When alerting is first turned
on, crossings of the last hour are sent, not the whole history."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from .clock import utcnow
from .extensions import db
from .models import AuditEvent, GatewayMeta, Team, VerificationToken
from .webhooks import DeliveryFailed, deliver

CURSOR = "alerts.delivered_through"
FIRST_LOOK_BACK = timedelta(hours=1)
BATCH = 100


def _subject(event: AuditEvent) -> dict[str, Any]:
    """What LiteLLM's event says of the key or team, read now (the crossing recorded the spend)."""
    if event.object_type == "key":
        key = db.session.get(VerificationToken, event.object_id)
        if key is None:
            return {"token": event.object_id}
        return {"token": key.token, "key_alias": key.key_alias, "user_id": key.user_id,
                "team_id": key.team_id, "max_budget": key.max_budget}  # fmt: skip
    team = db.session.get(Team, event.object_id)
    if team is None:
        return {"team_id": event.object_id}
    return {"team_id": team.team_id, "team_alias": team.team_alias, "max_budget": team.max_budget}


def payload(event: AuditEvent) -> dict[str, Any]:
    """LiteLLM's WebhookEvent for a soft budget crossed, plus our `event_id` and `created_at`."""
    after = event.detail.get("after", {})
    soft = after.get("soft_budget")
    body: dict[str, Any] = {
        "event": "soft_budget_crossed",
        "event_group": "key" if event.object_type == "key" else "team",
        "event_message": f"Soft Budget Crossed - Total Soft Budget: ${soft}",
        "spend": after.get("spend"),
        "soft_budget": soft,
        "max_budget": None,
        "token": None,
        "key_alias": None,
        "user_id": None,
        "team_id": None,
        "team_alias": None,
        "customer_id": None,
        "user_email": None,
        "projected_exceeded_date": None,
        "projected_spend": None,
        "event_id": event.id,
        "created_at": event.created_at.isoformat(),
    }
    body.update(_subject(event))
    return body


def _due(cursor: int | None) -> list[AuditEvent]:
    query = sa.select(AuditEvent).where(AuditEvent.action == "soft_budget_crossed")
    if cursor is None:
        query = query.where(AuditEvent.created_at >= utcnow() - FIRST_LOOK_BACK)
    else:
        query = query.where(AuditEvent.id > cursor)
    return list(db.session.scalars(query.order_by(AuditEvent.id).limit(BATCH)))


def deliver_due(url: str | None, secret: str | None) -> str:
    """Send the crossings not sent yet; raises (after keeping its progress) when the receiver
    keeps failing, so the job's run is marked failed and the next one tries again."""
    if url is None:
        return "alerting: webhook not configured"
    row = db.session.get(GatewayMeta, CURSOR)
    cursor = start = int(row.value) if row is not None else None
    sent = 0
    try:
        while events := _due(cursor):
            for event in events:
                deliver(url, secret, payload(event), what="alert webhook")
                cursor = event.id
                sent += 1
    except DeliveryFailed as exc:
        raise RuntimeError(f"alert webhook failed ({exc}); {sent} sent, the rest on the next run") from None
    finally:
        if cursor != start:  # moved: kept even when a later delivery failed
            db.session.merge(GatewayMeta(name=CURSOR, value=str(cursor), updated_at=utcnow()))
            db.session.commit()
    return f"{sent} alert(s) sent"
