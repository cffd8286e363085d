"""Clocks: the system clock for the server, a settable one for tests and tools."""

from __future__ import annotations

import time


class SystemClock:
    """Wall-clock time from the operating system."""

    def now_ns(self) -> int:
        """Nanoseconds since the epoch."""
        return time.time_ns()


class ManualClock:
    """A clock that only moves when told to (deterministic tests)."""

    def __init__(self, start_ns: int = 1_700_000_000_000_000_000) -> None:
        self._now_ns = start_ns

    def now_ns(self) -> int:
        """The current (manual) time."""
        return self._now_ns

    def advance(self, ns: int) -> None:
        """Move the clock forward by `ns` nanoseconds."""
        if ns < 0:
            raise ValueError("a clock never goes back")
        self._now_ns += ns

    def set(self, now_ns: int) -> None:
        """Jump to `now_ns` (not earlier than the current time)."""
        self.advance(now_ns - self._now_ns)


_STARTED_NS = time.monotonic_ns()


def uptime_ns() -> int:
    """Nanoseconds since this process loaded the core (Go's monotonic `m=+` reading)."""
    return time.monotonic_ns() - _STARTED_NS
