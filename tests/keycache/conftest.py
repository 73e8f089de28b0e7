"""Fixtures for the key cache: a private redis-server, statement counting, a cached app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event

from gateway.extensions import db
from tests.keys.conftest import MODELS
from tests.support.redis_server import RedisServer


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    server = RedisServer().start()
    yield server
    server.stop()


class Statements:
    """Counts SQL statements the app sends (a SQLAlchemy event listener on its engine)."""

    def __init__(self, app) -> None:
        self.seen: list[str] = []
        with app.app_context():
            self._engine = db.engine
        event.listen(self._engine, "before_cursor_execute", self._on)

    def _on(self, conn, cursor, statement, *args) -> None:
        self.seen.append(statement)

    @property
    def count(self) -> int:
        return len(self.seen)

    def key_reads(self) -> int:
        return sum(
            1 for s in self.seen if "verification_tokens" in s and s.lstrip().upper().startswith("SELECT")
        )

    def close(self) -> None:
        event.remove(self._engine, "before_cursor_execute", self._on)


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
def capp(make_app, own_redis):
    """An app on PostgreSQL with its own Redis as L2 and invalidation bus."""
    return make_app(MODELS, env={"REDIS_URL": own_redis.url})
