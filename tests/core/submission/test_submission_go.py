"""Ports of Go behaviour: %q quoting, strconv.Atoi and time.ParseDuration."""

from __future__ import annotations

from datetime import timedelta

import pytest

from armada_core.submission._go import duration_nanos, go_atoi, go_quote, parse_go_duration


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("main", '"main"'),
        ('say "hi"', r'"say \"hi\""'),
        ("a\\b", r'"a\\b"'),
        ("tab\there", r'"tab\there"'),
        ("\x00", r'"\x00"'),
        ("é", '"é"'),
        ("\u200b", r'"\u200b"'),
    ],
)
def test_go_quote(text: str, quoted: str) -> None:
    assert go_quote(text) == quoted


def test_go_atoi() -> None:
    assert (go_atoi("42"), go_atoi("+7"), go_atoi("-3"), go_atoi("007")) == (42, 7, -3, 7)
    for bad in ("", " 1", "1_000", "٣", "0x10"):
        with pytest.raises(ValueError, match="invalid syntax"):
            go_atoi(bad)
    with pytest.raises(ValueError, match="value out of range"):
        go_atoi(str(2**63))


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
    with pytest.raises(ValueError, match="time: invalid duration"):
        parse_go_duration(text)


def test_duration_nanos() -> None:
    assert duration_nanos(timedelta(minutes=5)) == 300_000_000_000
