"""Fixtures for the effective permission: an app with its own Redis, statement counting, and a
hierarchy (organization → team → member → key) made through the admin API."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.keycache.conftest import Statements
from tests.keys.conftest import Admin
from tests.support.redis_server import RedisServer
from tests.support.tcpproxy import TcpProxy


@pytest.fixture
def own_redis():
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def statements():
    made: list[Statements] = []

    def attach(app) -> Statements:
        made.append(Statements(app))
        return made[-1]

    yield attach
    for s in made:
        s.close()


@pytest.fixture
def db_proxy(pg_url):
    proxy = TcpProxy(urlsplit(pg_url).port or 5432).start()
    yield proxy
    proxy.stop()


def hierarchy(
    admin: Admin,
    tag: str,
    org: dict | None = None,
    team: dict | None = None,
    member: dict | None = None,
    user: dict | None = None,
    key: dict | None = None,
) -> str:
    """An organization, a team in it, a user who is a member, and the user's key in the team."""
    admin.post(
        "/organization/new", {"organization_id": f"org-{tag}", "organization_alias": tag, **(org or {})}
    )
    admin.post("/team/new", {"team_id": f"team-{tag}", "organization_id": f"org-{tag}", **(team or {})})
    admin.post("/user/new", {"user_id": f"user-{tag}", "auto_create_key": False, **(user or {})})
    admin.post(
        "/team/member_add", {"team_id": f"team-{tag}", "member": {"user_id": f"user-{tag}", "role": "user"}}
    )
    if member:
        admin.post("/team/member_update", {"team_id": f"team-{tag}", "user_id": f"user-{tag}", **member})
    return admin.generate(team_id=f"team-{tag}", user_id=f"user-{tag}", **(key or {}))["key"]
