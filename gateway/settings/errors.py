"""The one error a bad config raises: it names the file and the key."""

from __future__ import annotations


class ConfigError(Exception):
    """Stops start-up; str() is the one line an operator reads."""

    def __init__(self, source: str, key: str, message: str) -> None:
        self.source, self.key, self.message = source, key, message
        super().__init__(f"config error in {source}: {key}: {message}")
