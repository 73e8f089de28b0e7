"""The usage page's numbers: requests and spend per UTC day and per key, team, user or model,
summed by the database on both lanes, an own-usage view for non-readers."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from gateway.clock import utcnow
from gateway.extensions import db
from gateway.models import UsageLog
from gateway.ui.usage import usage_series
from tests.ui.conftest import Browser


def _log(
    n: int, at: datetime, cost: float, model: str = "gpt-4o", team: str | None = "t1", user: str | None = "u1"
):
    return UsageLog(
        request_id=f"req-{n}", created_at=at, key_hash=None, user_id=user, team_id=team,
        auth_method="virtual_key", model=model, status=200, cost=cost,
    )  # fmt: skip


@pytest.fixture
def logged(ui_app):
    app = ui_app()
    today = utcnow().date()
    midnight = datetime.combine(today, time.min, tzinfo=UTC)
    with app.app_context():
        db.session.add_all(
            [
                _log(1, midnight - timedelta(minutes=1), 0.5),  # yesterday, by a minute
                _log(2, midnight + timedelta(seconds=30), 0.25),
                _log(3, midnight + timedelta(seconds=40), 1.0, model="mini", team="t2", user="u2"),
                _log(4, midnight - timedelta(days=40), 9.0),  # outside 30 days
            ]
        )
        db.session.commit()
    return app, today


@pytest.mark.parametrize("db_url", ["postgres", "sqlite"], indirect=True)
def test_usage_is_summed_per_utc_day_and_series(logged):
    app, today = logged
    yesterday = (today - timedelta(days=1)).isoformat()
    with app.app_context():
        by_model = usage_series("model", 30, None)
        by_team = usage_series("team", 30, None)
        own = usage_series("user", 30, "u2")
    assert by_model["dates"][-2:] == [yesterday, today.isoformat()]
    spend = {s["label"]: s["data"][-2:] for s in by_model["spend"]}
    calls = {s["label"]: s["data"][-2:] for s in by_model["requests"]}
    assert spend == {"gpt-4o": [0.5, 0.25], "mini": [0, 1.0]} and calls == {"gpt-4o": [1, 1], "mini": [0, 1]}
    assert [t["label"] for t in by_team["totals"]] == ["t2", "t1"]  # the biggest spender (1.0 > 0.75) first
    assert own["totals"] == [{"label": "u2", "spend": 1.0, "requests": 1}]


def test_a_non_reader_sees_only_its_own_usage(logged):
    app, _ = logged
    browser = Browser(app.test_client())
    from tests.conftest import auth

    browser.client.post(
        "/user/new",
        json={"user_id": "u2", "user_role": "internal_user", "auto_create_key": False},
        headers=auth(),
    )
    with browser.client.session_transaction() as s:
        s.update(m="sso", r="internal_user", s="u2", u="u2", t=0, csrf="t" * 43)
    page = browser.get("/ui/usage?by=model").text
    assert "mini" in page and "gpt-4o" not in page
    assert browser.get("/ui/usage?by=planet").status_code == 400
    assert browser.get("/ui/usage?days=0").status_code == 400
