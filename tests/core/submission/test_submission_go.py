"""Ports of Go behaviour: %q quoting, strconv.Atoi, a Duration's %d (time.ParseDuration is
the configuration's: tests/adapters/server/test_config_durations.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from armada_core.submission._go import duration_nanos, go_atoi, go_quote


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


def test_duration_nanos() -> None:
    assert duration_nanos(timedelta(minutes=5)) == 300_000_000_000
