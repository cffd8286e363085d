"""Job ids: lower-case ULIDs, monotonic within the process, as Armada makes them.

A ULID is 48 bits of Unix milliseconds followed by 80 random bits, written as 26
characters of Crockford base32. Ids made in the same millisecond (or while the
clock stands still or steps back) reuse the last timestamp and increment the random
part, so ids sort in the order they were made.
"""

from __future__ import annotations

import base64
import secrets
import threading
import time
from collections.abc import Callable

from armada_core.ports import Clock

_RANDOM_BITS = 80
_MAX_MS = 2**48 - 1
_STANDARD = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_CROCKFORD = b"0123456789abcdefghjkmnpqrstvwxyz"
_TO_CROCKFORD = bytes.maketrans(_STANDARD, _CROCKFORD)


class _SystemClock:
    def now_ns(self) -> int:
        return time.time_ns()


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
        self._clock: Clock = clock if clock is not None else _SystemClock()
        self._randbits = randbits
        self._lock = threading.Lock()
        self._last_ms = -1
        self._last_random = 0

    def new_id(self) -> str:
        """A new id, greater than every id this factory made before."""
        with self._lock:
            ms, random_part = self._next(self._clock.now_ns() // 1_000_000)
            self._last_ms, self._last_random = ms, random_part
        return encode_ulid(ms, random_part)

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
    if not 0 <= ms <= _MAX_MS or not 0 <= random_part < 2**_RANDOM_BITS:
        raise ValueError("ULID timestamp or random part out of range")
    value = ms << _RANDOM_BITS | random_part
    # Base32 works on 5-bit groups from the most significant end; ULIDs pad the
    # 128 bits with two leading zero bits, so shift the value into 136 bits
    # (17 bytes) leaving 2 zero bits in front and taking the first 26 symbols.
    raw = base64.b32encode((value << 6).to_bytes(17, "big"))
    return raw[:26].translate(_TO_CROCKFORD).decode("ascii")
