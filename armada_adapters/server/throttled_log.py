"""`ThrottledWarning`: a condition that may recur thousands of times a second (a full
connection table, `accept()` out of file descriptors) is logged as one line per
interval with a count, never as a line (or a traceback) per occurrence.
"""

from __future__ import annotations

import asyncio
import logging

INTERVAL = 10.0


class ThrottledWarning:
    """`note()` every occurrence; the first is logged at once, later ones are summed
    into one line per `interval` seconds. Call from the event loop."""

    def __init__(self, logger: logging.Logger, message: str, interval: float = INTERVAL) -> None:
        self._logger = logger
        self._message = message
        self._interval = interval
        self._count = 0
        self._timer: asyncio.TimerHandle | None = None

    def note(self) -> None:
        """Count one occurrence."""
        self._count += 1
        if self._timer is None:
            self._report()

    def _report(self) -> None:
        self._timer = None
        if not self._count:
            return
        self._logger.warning("%s (%d time(s) in %g s)", self._message, self._count, self._interval)
        self._count = 0
        self._timer = asyncio.get_running_loop().call_later(self._interval, self._report)
