"""Fixtures for the upstream client's wire-level tests: raw loopback servers, closed at the end."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.support.anthropic_upstream import FakeAnthropic
from tests.support.rawhttp import RawServer


@pytest.fixture
def served() -> Iterator[Callable[..., RawServer]]:
    servers: list[RawServer] = []

    def start(handler) -> RawServer:
        servers.append(RawServer(handler))
        return servers[-1]

    yield start
    for s in servers:
        s.close()


@pytest.fixture
def anthropic() -> Iterator[FakeAnthropic]:
    """A loopback server speaking Anthropic's Messages API."""
    fake = FakeAnthropic().start()
    yield fake
    fake.stop()
