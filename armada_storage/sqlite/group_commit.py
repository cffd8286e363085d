"""Group commit: one writer connection, several units of work per transaction.

Callers hand in units (functions of the connection). Whoever finds no transaction
in flight becomes the *leader*: it takes every unit waiting at that moment, runs them
in one `BEGIN IMMEDIATE ... COMMIT` on the writer thread, each inside its own
SAVEPOINT (so a unit that raises is rolled back alone), wakes their callers, and
hands the lead to the first unit that queued meanwhile. Under load, one fsync covers
many writes; alone, a write pays one transaction as usual.

Small units go first: when units of at most `SMALL_WEIGHT` rows wait beside bigger
ones (a batch of 1,000 cancellations, a 10,000-job submit: tens of milliseconds of
SQL), the small ones get a transaction of their own and the big ones the next; a big
unit is passed over at most once, so none waits for long. A one-job submit then
waits for the transaction in flight only, not for the big one queued beside it.

A transaction cannot be cancelled half way (the leader is shielded), so a caller
cancelled after its unit was taken may see its write committed; a unit not yet taken
is dropped.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import anyio
import anyio.lowlevel

from armada_core.errors import Unavailable
from armada_core.observers import CommitObserver

logger = logging.getLogger(__name__)

T = TypeVar("T")
Work = Callable[[sqlite3.Connection], T]
SMALL_WEIGHT = 64  # rows a unit writes, about, to go first


class _Unit(Generic[T]):
    """One caller's work and, once its batch committed, the outcome."""

    __slots__ = ("error", "finished", "passed", "result", "wake", "weight", "work")

    def __init__(self, work: Work[T], weight: int) -> None:
        self.work = work
        self.weight = weight
        self.passed = False  # a big unit left for the next transaction once
        self.result: T | None = None
        self.error: BaseException | None = None
        self.finished = False
        self.wake: anyio.Event | None = None


class GroupCommitter:
    """Serialises units of work onto `conn`, batching those that arrive together.

    `observer`, if set, hears each batch's duration and size after it committed.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.observer: CommitObserver | None = None
        self._conn = conn
        self._limiter = anyio.CapacityLimiter(1)
        self._pending: list[_Unit[Any]] = []
        self._leading = False
        self._idle = anyio.Event()
        self._idle.set()
        self._closed = False

    async def run(self, work: Work[T], weight: int = 1) -> T:
        """Run `work` in a transaction shared with concurrent callers; its result.

        `weight` is about how many rows it writes (see "small units go first").
        """
        if self._closed:
            raise Unavailable("storage is closed")
        unit: _Unit[T] = _Unit(work, weight)
        self._pending.append(unit)
        try:
            while not unit.finished:
                if self._leading:
                    unit.wake = anyio.Event()
                    await unit.wake.wait()
                else:
                    await self._lead()
        except BaseException:
            self._abandon(unit)
            raise
        if unit.error is not None:
            raise unit.error
        return unit.result  # type: ignore[return-value]

    async def aclose(self) -> None:
        """Refuse new units and wait until the last batch has committed."""
        self._closed = True
        await self._idle.wait()

    async def _lead(self) -> None:
        self._leading = True
        self._idle = anyio.Event()
        batch: list[_Unit[Any]] = []
        try:
            with anyio.CancelScope(shield=True):
                # Callers already woken (say, by the previous batch) queue up first.
                await anyio.lowlevel.checkpoint()
                batch = self._take()
                started = time.perf_counter()
                await anyio.to_thread.run_sync(
                    commit_batch, self._conn, batch, limiter=self._limiter
                )
                if self.observer is not None:
                    self.observer(time.perf_counter() - started, len(batch))
        finally:
            self._leading = False
            for unit in batch:
                if not unit.finished:  # only if the thread itself failed
                    unit.error, unit.finished = Unavailable("the database failed"), True
                if unit.wake is not None:
                    unit.wake.set()
            self._hand_over()

    def _take(self) -> list[_Unit[Any]]:
        """The next transaction's units: the small ones if big ones wait beside them
        for the first time, else all."""
        pending = self._pending
        small = [u for u in pending if u.weight <= SMALL_WEIGHT]
        if not small or len(small) == len(pending) or any(u.passed for u in pending):
            self._pending = []
            return pending
        self._pending = [u for u in pending if u.weight > SMALL_WEIGHT]
        for unit in self._pending:
            unit.passed = True
        return small

    def _hand_over(self) -> None:
        """Wake the first waiting unit to lead the next batch, or mark idle."""
        if self._pending:
            wake = self._pending[0].wake
            if wake is not None:
                wake.set()
        else:
            self._idle.set()

    def _abandon(self, unit: _Unit[Any]) -> None:
        """A cancelled caller: drop its unit if not taken yet; never strand the others."""
        if not unit.finished and unit in self._pending:
            self._pending.remove(unit)
        if not self._leading:
            self._hand_over()


def commit_batch(conn: sqlite3.Connection, batch: list[_Unit[Any]]) -> None:
    """Run every unit in one transaction (writer thread); outcomes land on the units."""
    try:
        conn.execute("BEGIN IMMEDIATE")
        if len(batch) == 1:
            _run_alone(conn, batch[0])
        else:
            for unit in batch:
                _run_unit(conn, unit)
        if conn.in_transaction:  # a unit alone that failed has rolled back already
            conn.execute("COMMIT")
    except Exception as exc:  # every caller must get an outcome, whatever failed
        logger.exception("a write transaction failed; %d writes rolled back", len(batch))
        _rollback(conn)
        for unit in batch:
            unit.result, unit.error = None, Unavailable(f"the database failed: {exc}")
    finally:
        for unit in batch:
            unit.finished = True


def _run_unit(conn: sqlite3.Connection, unit: _Unit[Any]) -> None:
    conn.execute("SAVEPOINT unit")
    try:
        unit.result = unit.work(conn)
    except Exception as exc:  # the unit's own failure goes back to its caller only
        conn.execute("ROLLBACK TO unit")
        unit.error = _for_caller(exc)
    conn.execute("RELEASE unit")


def _run_alone(conn: sqlite3.Connection, unit: _Unit[Any]) -> None:
    """A unit with the transaction to itself needs no SAVEPOINT: on failure the whole
    transaction is its own to roll back. Two statements fewer, and each statement costs
    the writer a turn at the GIL, which under load waits the switch interval."""
    try:
        unit.result = unit.work(conn)
    except Exception as exc:
        _rollback(conn)
        unit.error = _for_caller(exc)
        return
    if not conn.in_transaction:  # the work ended the transaction itself: a bug
        raise sqlite3.OperationalError("a write ended its own transaction")


def _for_caller(exc: Exception) -> Exception:
    """Domain errors and bugs as they are; database errors as `Unavailable`."""
    if isinstance(exc, sqlite3.Error):
        logger.exception("a write failed in the database")
        return Unavailable(f"the database failed: {exc}")
    return exc


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            logger.exception("rollback failed")
