"""Job ids: lower-case ULIDs, monotonic within the process, as Armada makes them.

A ULID is 48 bits of Unix milliseconds followed by 80 random bits, written as 26
characters of Crockford base32. Ids made in the same millisecond (or while the
clock stands still or steps back) reuse the last timestamp and increment the random
part, so ids sort in the order they were made.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable

from armada_core.clock import SystemClock
from armada_core.ports import Clock

_RANDOM_BITS = 80
_RANDOM_LIMIT = 2**_RANDOM_BITS
_MAX_MS = 2**48 - 1
_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
# Every 10-bit value as its two symbols: 48 + 2 padding bits of time make 5 pairs and
# 80 random bits 8 pairs, so an id is 13 table lookups.
_PAIRS = tuple(high + low for high in _CROCKFORD for low in _CROCKFORD)


class UlidFactory:
    """The `IdFactory` port: thread-safe, monotonic ULIDs.

    `clock` and `randbits` (called with 80, returning that many random bits) are
    injectable so tests can pin time and randomness.
    """

    def __init__(
        self,
        clock: Clock | None = None,
        randbits: Callable[[int], int] = secrets.randbits,
    ) -> None:
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._randbits = randbits
        self._lock = threading.Lock()
        self._last_ms = -1
        self._last_random = 0
        self._last_time_text = ""  # the time part of the last id, reused within its ms

    def new_id(self) -> str:
        """A new id, greater than every id this factory made before."""
        with self._lock:
            last_ms = self._last_ms
            ms, random_part = self._next(self._clock.now_ns() // 1_000_000)
            self._last_ms, self._last_random = ms, random_part
            if ms != last_ms:
                self._last_time_text = _time_text(ms)
            time_text = self._last_time_text
        _check_range(ms, random_part)
        return time_text + _random_text(random_part)

    def _next(self, now_ms: int) -> tuple[int, int]:
        if now_ms > self._last_ms:
            return now_ms, self._randbits(_RANDOM_BITS)
        random_part = self._last_random + 1
        if random_part >> _RANDOM_BITS:
            # The random part is exhausted for this millisecond: borrow the next one.
            return self._last_ms + 1, self._randbits(_RANDOM_BITS)
        return self._last_ms, random_part


def encode_ulid(ms: int, random_part: int) -> str:
    """Render a timestamp and random part as a lower-case 26-character ULID."""
    _check_range(ms, random_part)
    return _time_text(ms) + _random_text(random_part)


def _check_range(ms: int, random_part: int) -> None:
    if not 0 <= ms <= _MAX_MS or not 0 <= random_part < _RANDOM_LIMIT:
        raise ValueError("ULID timestamp or random part out of range")


def _time_text(ms: int) -> str:
    """The first 10 symbols: 48 bits of milliseconds after 2 zero bits of padding."""
    pairs = _PAIRS
    return (
        pairs[ms >> 40]
        + pairs[ms >> 30 & 1023]
        + pairs[ms >> 20 & 1023]
        + pairs[ms >> 10 & 1023]
        + pairs[ms & 1023]
    )


def _random_text(bits: int) -> str:
    """The last 16 symbols: the 80 random bits."""
    pairs = _PAIRS
    return (
        pairs[bits >> 70]
        + pairs[bits >> 60 & 1023]
        + pairs[bits >> 50 & 1023]
        + pairs[bits >> 40 & 1023]
        + pairs[bits >> 30 & 1023]
        + pairs[bits >> 20 & 1023]
        + pairs[bits >> 10 & 1023]
        + pairs[bits & 1023]
    )
