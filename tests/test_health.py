"""Public probes: liveliness always, readiness naming what is down."""

from __future__ import annotations

import secrets

import psycopg

from tests.conftest import MASTER, PG_ADMIN
from tests.support.net import closed_port


def test_liveliness_and_readiness_need_no_key(make_app, redis_url):
    client = make_app({}, env={"REDIS_URL": redis_url}).test_client()
    assert client.get("/health/liveliness").json == {"status": "alive"}
    ready = client.get("/health/readiness")
    assert ready.status_code == 200 and ready.json["redis"] == "connected"


def test_readiness_names_redis_when_it_is_down(make_app):
    client = make_app({}, env={"REDIS_URL": f"redis://127.0.0.1:{closed_port()}/0"}).test_client()
    resp = client.get("/health/readiness")
    assert resp.status_code == 503
    assert resp.json["error"]["type"] == "service_unavailable" and "redis" in resp.json["error"]["message"]


def test_readiness_names_the_database_when_it_is_gone(tmp_path):
    from gateway import create_app
    from gateway.extensions import db

    name = f"gwhealth_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "GATEWAY_CONFIG": {},
            "GATEWAY_ENV": {"DATABASE_URL": url, "LITELLM_MASTER_KEY": MASTER},
            "AUTO_MIGRATE": True,
        }
    )
    client = app.test_client()
    assert client.get("/health/readiness").status_code == 200
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    resp = client.get("/health/readiness")
    assert resp.status_code == 503 and "database" in resp.json["error"]["message"]
    # the master key needs no database at all
    assert client.get("/v1/models", headers={"Authorization": f"Bearer {MASTER}"}).status_code == 200
    with app.app_context():
        db.engine.dispose()
