"""Go's time.ParseDuration, as the configuration reads durations."""

from __future__ import annotations

from datetime import timedelta

import pytest

from armada_config.durations import parse_go_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("72h", timedelta(hours=72)),
        ("336h", timedelta(hours=336)),
        ("5m", timedelta(minutes=5)),
        ("1h2m3s", timedelta(hours=1, minutes=2, seconds=3)),
        ("1.5h", timedelta(minutes=90)),
        (".5s", timedelta(milliseconds=500)),
        ("2us", timedelta(microseconds=2)),
        ("2µs", timedelta(microseconds=2)),
        ("-1s", timedelta(seconds=-1)),
        ("+1m", timedelta(minutes=1)),
        ("0", timedelta(0)),
    ],
)
def test_parse_go_duration(text: str, expected: timedelta) -> None:
    assert parse_go_duration(text) == expected


@pytest.mark.parametrize("text", ["", "1", "1d", "h", ".s", "1 h", "1hm", "--1s"])
def test_bad_go_durations(text: str) -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        parse_go_duration(text)
