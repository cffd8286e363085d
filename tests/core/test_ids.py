"""Job ids: lower-case, monotonic ULIDs."""

from __future__ import annotations

import re
import threading

import pytest

from armada_core.ids import UlidFactory, encode_ulid

CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
ULID = re.compile(r"[0-7][0-9a-hjkmnp-tv-z]{25}")


class FixedClock:
    def __init__(self, ms: int) -> None:
        self.ns = ms * 1_000_000

    def now_ns(self) -> int:
        return self.ns


def decode(ulid: str) -> tuple[int, int]:
    """(milliseconds, random part) of a ULID, by the book."""
    value = 0
    for char in ulid:
        value = value * 32 + CROCKFORD.index(char)
    return value >> 80, value & (2**80 - 1)


def test_ids_are_26_lower_case_crockford_characters() -> None:
    ids = [UlidFactory().new_id() for _ in range(50)]
    assert all(ULID.fullmatch(job_id) for job_id in ids)
    assert len(set(ids)) == 50


def test_time_part_is_the_clock_in_milliseconds() -> None:
    clock = FixedClock(1_712_345_678_901)
    job_id = UlidFactory(clock, randbits=lambda bits: 12345).new_id()
    assert decode(job_id) == (1_712_345_678_901, 12345)


def test_known_encoding() -> None:
    assert encode_ulid(0, 0) == "0" * 26
    assert encode_ulid(2**48 - 1, 2**80 - 1) == "7" + "z" * 25
    assert encode_ulid(1, 0) == "0000000001" + "0" * 16


def test_ids_in_one_millisecond_increase_strictly() -> None:
    factory = UlidFactory(FixedClock(1_700_000_000_000))
    ids = [factory.new_id() for _ in range(2000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    randoms = [decode(job_id)[1] for job_id in ids]
    assert randoms == list(range(randoms[0], randoms[0] + 2000))


def test_a_clock_stepping_back_does_not_break_the_order() -> None:
    clock = FixedClock(1_700_000_000_500)
    factory = UlidFactory(clock)
    first = factory.new_id()
    clock.ns -= 400 * 1_000_000
    second = factory.new_id()
    assert second > first
    assert decode(second)[0] == decode(first)[0]


def test_a_new_millisecond_draws_fresh_randomness() -> None:
    clock = FixedClock(1_700_000_000_000)
    draws = iter([2**80 - 10, 7])
    factory = UlidFactory(clock, randbits=lambda bits: next(draws))
    factory.new_id()
    clock.ns += 1_000_000
    assert decode(factory.new_id()) == (1_700_000_000_001, 7)


def test_exhausted_random_part_borrows_the_next_millisecond() -> None:
    draws = iter([2**80 - 1, 5])
    factory = UlidFactory(FixedClock(1_000), randbits=lambda bits: next(draws))
    first, second = factory.new_id(), factory.new_id()
    assert decode(first) == (1_000, 2**80 - 1)
    assert decode(second) == (1_001, 5)
    assert second > first


def test_out_of_range_parts_are_refused() -> None:
    with pytest.raises(ValueError):
        encode_ulid(2**48, 0)
    with pytest.raises(ValueError):
        encode_ulid(0, 2**80)


def test_threads_never_get_the_same_id() -> None:
    factory = UlidFactory(FixedClock(1_700_000_000_000))
    results: list[list[str]] = [[] for _ in range(8)]

    def work(out: list[str]) -> None:
        out.extend(factory.new_id() for _ in range(500))

    threads = [threading.Thread(target=work, args=(out,)) for out in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [job_id for out in results for job_id in out]
    assert len(set(everything)) == 4000
    assert all(out == sorted(out) for out in results)
