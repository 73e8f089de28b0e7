"""Regenerate without grace on one instance refuses every older key still in a grace period on
another instance within one second (API.md §5), the key cache's deprecated hashes included."""

from __future__ import annotations

from tests.keycache.test_revocation import admin, chat, pair, refused_within, warm

__all__ = ["pair"]  # the two-instance fixture, shared with test_revocation


def test_regenerate_without_grace_on_a_refuses_earlier_grace_keys_on_b_within_one_second(pair):
    a, b = pair
    k0 = admin(a, "/key/generate", {})["key"]
    k1 = admin(a, "/key/regenerate", {"key": k0, "grace_period": "1h"})["key"]
    warm(b, k0)
    warm(b, k1)
    k2 = admin(a, "/key/regenerate", {"key": k1})["key"]
    refused_within(b, k0, 401)
    refused_within(b, k1, 401)
    assert chat(b, k2) == 200
