"""The duration parser: long periods written in seconds parse; past 100 years is an error, never an overflow."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gateway.durations import MAX, DurationError, parse_duration


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1000000s", timedelta(seconds=1_000_000)),
        ("1209600s", timedelta(days=14)),  # what a 14-day grace is in seconds
        ("3153600000s", MAX),
        ("1200mo", timedelta(days=36_000)),
    ],
)
def test_long_durations_parse(text, value):
    assert parse_duration(text) == value


@pytest.mark.parametrize("text", ["3153600001s", "9999999999mo", "9999999999w", "12345678901s"])
def test_beyond_100_years_is_a_duration_error(text):
    with pytest.raises(DurationError):
        parse_duration(text)
