"""Regenerating a key that still has older keys in their grace period, and new keys that are
already taken (the master key, a current key, an old key in its grace period)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from gateway.extensions import db
from tests.conftest import MASTER
from tests.keys.conftest import MODELS, Admin, chat


@pytest.fixture
def rapp(make_app, redis_url):
    """With Redis, so the old keys are also in L2 and on the invalidation bus."""
    return make_app(MODELS, env={"REDIS_URL": redis_url})


def revoke_ats(app) -> list[datetime]:
    with app.app_context():
        rows = list(db.session.execute(text("SELECT revoke_at FROM deprecated_tokens")).scalars())
        db.session.remove()
        return rows


def test_regenerate_without_grace_revokes_keys_still_in_an_earlier_grace(rapp):
    client = rapp.test_client()
    admin = Admin(client)
    k0 = admin.generate()["key"]
    k1 = admin.post("/key/regenerate", {"key": k0, "grace_period": "1h"})["key"]
    assert chat(client, k0).status_code == 200 and chat(client, k1).status_code == 200  # cached
    k2 = admin.post("/key/regenerate", {"key": k1})["key"]
    assert [chat(client, k).status_code for k in (k0, k1, k2)] == [401, 401, 200]
    assert revoke_ats(rapp) == []


def test_regenerate_with_a_shorter_grace_cuts_the_earlier_grace_to_it(rapp):
    admin = Admin(rapp.test_client())
    k0 = admin.generate()["key"]
    k1 = admin.post("/key/regenerate", {"key": k0, "grace_period": "1h"})["key"]
    admin.post("/key/regenerate", {"key": k1, "grace_period": "5m"})
    ends = datetime.now(UTC) + timedelta(minutes=5)
    assert all(abs(t - ends) < timedelta(seconds=30) for t in revoke_ats(rapp))
    assert len(revoke_ats(rapp)) == 2


def test_a_longer_grace_does_not_extend_an_earlier_one(rapp):
    admin = Admin(rapp.test_client())
    k0 = admin.generate()["key"]
    k1 = admin.post("/key/regenerate", {"key": k0, "grace_period": "5m"})["key"]
    admin.post("/key/regenerate", {"key": k1, "grace_period": "1h"})
    first, second = sorted(revoke_ats(rapp))
    assert second - first > timedelta(minutes=50)


def refused_without_echo(admin: Admin, path: str, body: dict, param: str, secret: str) -> None:
    error = admin.post(path, body, status=400)["error"]
    assert error["param"] == param and error["type"] == "invalid_request_error"
    assert secret not in error["message"] and secret[-8:] not in error["message"]


def test_a_custom_key_may_not_be_the_master_key_or_a_key_in_its_grace_period(rapp):
    client = rapp.test_client()
    admin = Admin(client)
    k0 = admin.generate()["key"]
    k1 = admin.post("/key/regenerate", {"key": k0, "grace_period": "1h"})["key"]
    refused_without_echo(admin, "/key/generate", {"key": k0}, "key", k0)
    refused_without_echo(admin, "/key/generate", {"key": MASTER}, "key", MASTER)
    refused_without_echo(admin, "/key/generate", {"key": k1}, "key", k1)
    assert chat(client, k0).status_code == 200  # still k1's, as before
    with rapp.app_context():
        assert db.session.execute(text("SELECT count(*) FROM verification_tokens")).scalar() == 1
        db.session.remove()


def test_a_custom_new_key_may_not_be_the_master_key_an_old_key_or_the_key_itself(rapp):
    admin = Admin(rapp.test_client())
    k0 = admin.generate()["key"]
    k1 = admin.post("/key/regenerate", {"key": k0, "grace_period": "1h"})["key"]
    other = admin.generate()["key"]
    for taken in (k0, MASTER, k1, other):
        refused_without_echo(admin, "/key/regenerate", {"key": k1, "new_key": taken}, "new_key", taken)
    assert chat(rapp.test_client(), k1).status_code == 200  # nothing changed
    fresh = "sk-a-fresh-custom-key-0001"
    assert admin.post("/key/regenerate", {"key": k1, "new_key": fresh})["key"] == fresh
