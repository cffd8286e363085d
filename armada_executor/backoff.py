"""Exponential backoff with jitter, for reconnecting to a server that went away."""

from __future__ import annotations

import random

FIRST_SECONDS = 0.2
MAX_SECONDS = 10.0


class Backoff:
    def __init__(self, first: float = FIRST_SECONDS, ceiling: float = MAX_SECONDS) -> None:
        self._first = first
        self._ceiling = ceiling
        self._next = first

    def next(self) -> float:
        """The delay before the next try (doubling, up to the ceiling, with ±20% jitter)."""
        delay = self._next
        self._next = min(self._next * 2, self._ceiling)
        return delay * random.uniform(0.8, 1.2)

    def reset(self) -> None:
        self._next = self._first
