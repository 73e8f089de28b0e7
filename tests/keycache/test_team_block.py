"""A team blocked on one instance: its keys are refused on another within one second."""

from __future__ import annotations

import time

from tests.keycache.test_revocation import LIMIT, admin, chat, pair, refused_within, warm  # noqa: F401


def test_team_block_on_a_refuses_its_keys_on_b_within_one_second(pair):  # noqa: F811
    a, b = pair
    admin(a, "/team/new", {"team_id": "live-t1"})
    keys = [admin(a, "/key/generate", {"team_id": "live-t1"})["key"] for _ in range(2)]
    other = admin(a, "/key/generate", {})["key"]
    for key in (*keys, other):
        warm(b, key)
    admin(a, "/team/block", {"team_id": "live-t1"})
    for key in keys:
        refused_within(b, key, 401)
    assert chat(b, other) == 200  # only the team's keys
    admin(a, "/team/unblock", {"team_id": "live-t1"})
    start = time.monotonic()
    while chat(b, keys[0]) != 200:
        assert time.monotonic() - start < LIMIT
