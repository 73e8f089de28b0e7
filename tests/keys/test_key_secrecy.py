"""A key's plaintext appears only in the generate/regenerate response: never stored, logged or echoed."""

from __future__ import annotations

import logging
import threading

import pytest
from sqlalchemy import inspect, text

from gateway.extensions import db
from tests.conftest import auth
from tests.keys.conftest import chat

pytestmark = pytest.mark.parametrize("db_url", ["postgres", "sqlite"], indirect=True)


def all_database_text(app) -> str:
    with app.app_context():
        chunks = []
        for table in inspect(db.engine).get_table_names():
            for row in db.session.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608 - table names from the schema
                chunks.append(repr(tuple(row)))
        return "\n".join(chunks)


def test_plaintext_never_in_database_logs_or_error_bodies(kapp, kclient, admin, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    bodies: list[str] = []
    made = admin.generate(models=["gpt-mini"], key_alias="secret-test", duration="1h")
    key = made["key"]
    custom = admin.generate(key="sk-imported-custom-key-987654")["key"]
    for resp in (
        chat(kclient, key, "gpt-4o"),  # 403: model not allowed
        chat(kclient, key + "x"),  # 401: unknown
        chat(kclient, key, "nope-model"),  # 400: unknown model
        kclient.get("/key/info", query_string={"key": custom}, headers={"x-api-key": key}),  # 403
        kclient.post("/key/generate", json={}, headers={"Authorization": f"Bearer {key}"}),  # 403
        kclient.post("/key/update", json={"key": key + "zz", "models": []}, headers=auth()),  # 404
        kclient.post("/key/generate", json={"key": custom}, headers=auth()),  # 400 duplicate
    ):
        assert resp.status_code >= 400
        bodies.append(resp.get_data(as_text=True))
    admin.post("/key/block", {"key": key})
    bodies.append(chat(kclient, key, "gpt-mini").get_data(as_text=True))  # 401 blocked
    admin.post("/key/unblock", {"key": key})
    new = admin.post("/key/regenerate", {"key": key, "grace_period": "1h"})["key"]
    bodies.append(kclient.get("/key/info", query_string={"key": key}, headers=auth()).get_data(as_text=True))
    admin.post("/key/update", {"key": new, "metadata": {"note": "x"}})

    stored = all_database_text(kapp)
    logged = caplog.text + "\n".join(capfd.readouterr())
    for secret in (key, new, custom):
        assert secret not in stored, "plaintext stored"
        assert secret not in logged, "plaintext logged"
        assert all(secret not in body for body in bodies), "plaintext echoed in an error"


def test_two_concurrent_generates_with_one_alias_exactly_one_wins(kapp):
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def generate() -> None:
        client = kapp.test_client()
        barrier.wait()
        statuses.append(client.post("/key/generate", json={"key_alias": "race"}, headers=auth()).status_code)

    threads = [threading.Thread(target=generate) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(statuses) == [200, 400]
    with kapp.app_context():
        assert (
            db.session.execute(
                text("SELECT count(*) FROM verification_tokens WHERE key_alias='race'")
            ).scalar()
            == 1
        )
