"""Fixtures for usage: an app with a priced mock model and a priced upstream model, on Redis."""

from __future__ import annotations

import pytest
import redis as redis_lib

from gateway.extensions import db
from gateway.jobs import run
from gateway.stages import stages
from tests.conftest import model_entry

PRICE_IN, PRICE_OUT = 2e-06, 1e-05


def priced_models(base: str) -> dict:
    return {
        "model_list": [
            {
                "model_name": "mock",
                "litellm_params": {"model": "openai/mock", "mock_response": "one two three"},
                "model_info": {"input_cost_per_token": PRICE_IN, "output_cost_per_token": PRICE_OUT},
            },
            {
                **model_entry("gpt-4o", base),
                "model_info": {"input_cost_per_token": PRICE_IN, "output_cost_per_token": PRICE_OUT},
            },
        ]
    }


@pytest.fixture
def uapp(make_app, upstream, redis_url):
    return make_app(priced_models(upstream.base), env={"REDIS_URL": redis_url})


def ship_and_flush(app) -> str:
    """Push buffered events to Redis now, then run the flush job (what beat does every 10 s)."""
    stages(app).usage.sink.ship()
    with app.app_context():
        return run("flush_usage", locked=False)


def rows(app, sql: str, **params) -> list:
    from sqlalchemy import text

    with app.app_context():
        return list(db.session.execute(text(sql), params))


def queue_length(url: str) -> int:
    return redis_lib.Redis.from_url(url).llen("gw:usage:queue")
