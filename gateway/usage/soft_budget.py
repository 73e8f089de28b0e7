"""A soft budget crossed at the flush (spend went from below `soft_budget` to at or above it):
recorded once, as an audit event (`soft_budget_crossed`, by `system:usage_flush`), a metric
(`gateway_soft_budget_crossings_total{level}`) and a warning in the log (and sent to a webhook by
the deliver_alerts job when alerting is on: gateway/alerts.py). Nothing is refused:
that is what max_budget is for."""

from __future__ import annotations

import logging

from ..clock import utcnow
from ..extensions import db
from ..metrics.registry import SOFT_BUDGET_CROSSINGS
from ..models import AuditEvent

log = logging.getLogger(__name__)
ACTOR = "system:usage_flush"


def check(level: str, ident: str, spend: float, amount: float, soft: float | None) -> bool:
    """After `amount` was added to a level's spend (now `spend`): record a crossing, if it is one."""
    if soft is None or not (spend - amount < soft <= spend):
        return False
    db.session.add(
        AuditEvent(
            actor=ACTOR,
            action="soft_budget_crossed",
            object_type=level,
            object_id=ident,
            detail={"before": {"spend": spend - amount}, "after": {"spend": spend, "soft_budget": soft}},
            created_at=utcnow(),
        )
    )
    SOFT_BUDGET_CROSSINGS.labels(level).inc()
    log.warning("soft budget crossed: %s spend %.6g reached soft_budget %.6g", level, spend, soft)
    return True
