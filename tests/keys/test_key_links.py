"""A key's user is a real row: /key/generate creates an unknown user_id once, even when raced."""

from __future__ import annotations

import threading

import psycopg

from tests.conftest import auth


def _users(db_url: str, user_id: str) -> int:
    with psycopg.connect(db_url.replace("+psycopg", "")) as conn:
        return conn.execute("SELECT count(*) FROM users WHERE user_id = %s", (user_id,)).fetchone()[0]


def test_generate_for_an_unknown_user_creates_it(admin, db_url):
    made = admin.generate(user_id="newcomer")
    assert made["user_id"] == "newcomer"
    info = admin.get("/user/info", user_id="newcomer")
    assert info["user_info"]["user_role"] == "internal_user"
    assert _users(db_url, "newcomer") == 1


def test_concurrent_generates_for_one_new_user_all_succeed_with_one_user(kapp, db_url):
    """Threads against PostgreSQL mint keys for the same unknown user_id at once: every call
    succeeds (none is a 400/500 from the losing insert) and there is one user row. Several
    rounds, so that at least one interleaving has both threads past the lookup before either commits."""
    rounds, width = 6, 4
    statuses: list[int] = []

    def generate(user_id: str, barrier: threading.Barrier) -> None:
        client = kapp.test_client()
        barrier.wait()
        resp = client.post("/key/generate", json={"user_id": user_id}, headers=auth())
        statuses.append(resp.status_code)

    for n in range(rounds):
        barrier = threading.Barrier(width)
        threads = [threading.Thread(target=generate, args=(f"racer-{n}", barrier)) for _ in range(width)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert statuses == [200] * (rounds * width), statuses
    for n in range(rounds):
        assert _users(db_url, f"racer-{n}") == 1
