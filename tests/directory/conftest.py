"""Fixtures for user/team tests: the key tests' app, an admin client, and callers with roles."""

from __future__ import annotations

import pytest

from tests.conftest import auth
from tests.keys.conftest import MODELS, Admin, chat  # noqa: F401 - shared helpers


@pytest.fixture
def dapp(make_app):
    return make_app(MODELS)


@pytest.fixture
def dclient(dapp):
    return dapp.test_client()


@pytest.fixture
def admin(dclient) -> Admin:
    return Admin(dclient)


class Caller:
    """A user with a role, calling with its own key (made by the admin through /user/new)."""

    def __init__(self, client, admin: Admin, user_id: str, role: str, **fields) -> None:
        self.client = client
        self.user_id = user_id
        made = admin.post("/user/new", {"user_id": user_id, "user_role": role, **fields})
        self.key = made["key"]

    def post(self, path: str, body: dict):
        return self.client.post(path, json=body, headers=auth(self.key))

    def get(self, path: str, **params):
        return self.client.get(path, query_string=params, headers=auth(self.key))


@pytest.fixture
def user_as(dclient, admin):
    def make(user_id: str, role: str = "internal_user", **fields) -> Caller:
        return Caller(dclient, admin, user_id, role, **fields)

    return make
