"""Durations in the configuration: Go's syntax (`200ms`, `1m30s`, `1h`), or a bare
number of seconds.

Go's `time.ParseDuration` units are ns, us (µs), ms, s, m and h, combinable and with
fractions (`1.5h`, `1h30m`); `0` needs no unit. A bare number (`10`, `"10"`, `1.5`)
is seconds: that is what our own keys always meant, and what a person writing `10`
expects. Armada's loader reads a bare integer as nanoseconds, so for the Go
durations of Armada's own keys (typed `timedelta`) a bare non-zero number logs a
warning saying how it is read.
"""

from __future__ import annotations

import logging
import math
import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

from armada_core.echo import shown

logger = logging.getLogger(__name__)

_DURATION = re.compile(r"[-+]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ns|us|µs|μs|ms|s|m|h))+")
_DURATION_PART = re.compile(r"([0-9]*\.?[0-9]*)(ns|us|µs|μs|ms|s|m|h)")
_BARE = re.compile(r"[+]?(?:[0-9]{1,15}(?:\.[0-9]{0,9})?|\.[0-9]{1,9})")
_UNIT_NS = {
    "ns": 1,
    "us": 10**3,
    "µs": 10**3,
    "μs": 10**3,
    "ms": 10**6,
    "s": 10**9,
    "m": 60 * 10**9,
    "h": 3600 * 10**9,
}
_MAX_TEXT = 64  # no real duration is longer; refusing longer text bounds the work


def parse_go_duration(text: str) -> timedelta:
    """Go's `time.ParseDuration` (`72h`, `1h30m`, `1.5s`, `300ms`, `0`); ValueError if not one."""
    if text in ("0", "+0", "-0"):
        return timedelta(0)
    if len(text) > _MAX_TEXT or not _DURATION.fullmatch(text):
        raise ValueError(f"invalid duration {shown(text)!r}")
    total = sum(
        (Decimal(number) * _UNIT_NS[unit] for number, unit in _DURATION_PART.findall(text)),
        Decimal(0),
    )
    nanos = int(total)  # Go drops fractions of a nanosecond
    return timedelta(microseconds=-nanos / 1000 if text[0] == "-" else nanos / 1000)


def read_duration(raw: Any, path: str) -> timedelta:
    """A non-negative duration from a Go duration string or a bare number of seconds."""
    if isinstance(raw, timedelta):
        value = raw
    else:
        seconds = _bare_seconds(raw)
        if seconds is not None:
            value = timedelta(seconds=seconds)
        elif isinstance(raw, str):
            try:
                value = parse_go_duration(raw.strip())
            except ValueError:
                raise ValueError(_wanted(path, raw)) from None
        else:
            raise ValueError(_wanted(path, raw))
    if value < timedelta(0):
        raise ValueError(f"{path} must not be negative, got {shown(str(raw))}")
    return value


def read_seconds(raw: Any, path: str) -> float:
    """`read_duration` as float seconds (our own keys: timeouts, intervals)."""
    return read_duration(raw, path).total_seconds()


def read_go_duration(raw: Any, path: str) -> timedelta:
    """`read_duration` for Armada's Go durations: a bare number is seconds, with a warning."""
    value = read_duration(raw, path)
    if value and _bare_seconds(raw) is not None:
        logger.warning(
            "%s: the bare number %s is read as %s seconds (Armada would read nanoseconds); "
            "write %ss to say so",
            path,
            shown(str(raw)),
            shown(str(raw)),
            shown(str(raw)),
        )
    return value


def _bare_seconds(raw: Any) -> float | None:
    """Seconds when `raw` is a bare number (or a string holding one), else None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return float(raw) if math.isfinite(raw) else None
    if isinstance(raw, str) and _BARE.fullmatch(raw.strip()):
        return float(raw)
    return None


def _wanted(path: str, raw: Any) -> str:
    return (
        f"{path} must be a duration such as 200ms, 10s, 1m30s or 1h "
        f"(a bare number is seconds), got {shown(str(raw))!r}"
    )
