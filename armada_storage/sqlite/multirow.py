"""Many rows per statement, so the writer thread holds and retakes the GIL rarely.

`sqlite3` lets go of the GIL while a statement steps and takes it back after; with
the event loop busy, taking it back waits up to the interpreter's switch interval
(5 ms). `executemany` steps once per row: 1,000 job updates could wait 1,000 times,
and a one-job submit queued behind that transaction with them (measured: 200-300 ms
for a 10,000-job submit under load). Statements of up to 1,024 rows cut that to a
handful of steps. Row counts come from a few fixed sizes, so the statement texts
(and SQLite's statement cache) stay few.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Iterator, Sequence
from itertools import chain
from typing import Any

SIZES = (1024, 128, 16, 1)  # rows per statement, largest first
MAX_VARIABLES = 32_766  # SQLite's default limit on bound values per statement


def slices(count: int, columns: int) -> Iterator[tuple[int, int]]:
    """`(start, size)` of each statement's rows, sizes from `SIZES`, in order."""
    sizes = [s for s in SIZES if s * columns <= MAX_VARIABLES]
    start = 0
    for size in sizes:
        while count - start >= size:
            yield start, size
            start += size


@functools.cache
def values(columns: int, rows: int) -> str:
    """`(?, ?), (?, ?)` for `rows` rows of `columns` values."""
    row = "(" + ", ".join(["?"] * columns) + ")"
    return ", ".join([row] * rows)


def insert_rows(
    conn: sqlite3.Connection, head: str, rows: Sequence[Sequence[Any]], columns: int
) -> None:
    """`head` (`INSERT INTO t (...) VALUES `) for every row, many rows per statement."""
    for start, size in slices(len(rows), columns):
        part = rows[start : start + size]
        conn.execute(head + values(columns, size), list(chain.from_iterable(part)))
