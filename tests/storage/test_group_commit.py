"""GroupCommitter: batching, per-unit rollback, cancellation, close."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
from anyio import wait_all_tasks_blocked

from armada_core.errors import Conflict, Unavailable
from armada_storage.sqlite import group_commit
from armada_storage.sqlite.group_commit import GroupCommitter

pytestmark = pytest.mark.anyio


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(tmp_path / "t.db", isolation_level=None, check_same_thread=False)
    conn.execute("CREATE TABLE t (v TEXT)")
    yield conn
    conn.close()


def insert(value: str, fail: Exception | None = None):
    def work(conn: sqlite3.Connection) -> str:
        conn.execute("INSERT INTO t VALUES (?)", (value,))
        if fail is not None:
            raise fail
        return value

    return work


def blocked_until(gate: threading.Event, value: str):
    def work(conn: sqlite3.Connection) -> str:
        gate.wait(10)
        return insert(value)(conn)

    return work


def rows(conn: sqlite3.Connection) -> list[str]:
    return sorted(v for (v,) in conn.execute("SELECT v FROM t"))


async def test_units_that_arrive_together_share_a_transaction(conn, monkeypatch) -> None:
    sizes: list[int] = []
    real = group_commit.commit_batch

    def counting(conn, batch):
        sizes.append(len(batch))
        real(conn, batch)

    monkeypatch.setattr(group_commit, "commit_batch", counting)
    committer = GroupCommitter(conn)
    async with anyio.create_task_group() as tg:
        for i in range(10):
            tg.start_soon(committer.run, insert(str(i)))
    assert sum(sizes) == 10
    assert max(sizes) > 1
    assert len(rows(conn)) == 10


async def test_a_failing_unit_is_rolled_back_alone(conn) -> None:
    committer = GroupCommitter(conn)
    outcomes: dict[str, object] = {}

    async def run(value: str, fail: Exception | None) -> None:
        try:
            outcomes[value] = await committer.run(insert(value, fail))
        except Exception as exc:
            outcomes[value] = type(exc)

    async with anyio.create_task_group() as tg:
        tg.start_soon(run, "a", None)
        tg.start_soon(run, "b", Conflict("no"))
        tg.start_soon(run, "c", None)
        tg.start_soon(run, "d", TypeError("a bug"))
        tg.start_soon(run, "e", None)
    assert outcomes == {"a": "a", "b": Conflict, "c": "c", "d": TypeError, "e": "e"}
    assert rows(conn) == ["a", "c", "e"]


async def test_a_broken_transaction_fails_its_batch_and_the_next_one_works(conn) -> None:
    committer = GroupCommitter(conn)

    def breaks(conn: sqlite3.Connection) -> None:
        conn.execute("ROLLBACK")  # leaves no savepoint to release

    with pytest.raises(Unavailable):
        await committer.run(breaks)
    assert await committer.run(insert("after")) == "after"
    assert rows(conn) == ["after"]


async def test_a_cancelled_caller_not_yet_taken_writes_nothing(conn) -> None:
    committer = GroupCommitter(conn)
    gate = threading.Event()
    with anyio.fail_after(10):  # a stranded unit would hang
        await _cancel_one_waiting(committer, gate)
    assert rows(conn) == ["first", "later"]


async def _cancel_one_waiting(committer: GroupCommitter, gate: threading.Event) -> None:
    async with anyio.create_task_group() as tg:
        tg.start_soon(committer.run, blocked_until(gate, "first"))
        await wait_all_tasks_blocked()
        with anyio.CancelScope() as scope:
            async with anyio.create_task_group() as inner:
                inner.start_soon(committer.run, insert("cancelled"))
                await wait_all_tasks_blocked()
                scope.cancel()
        tg.start_soon(committer.run, insert("later"))
        await wait_all_tasks_blocked()
        gate.set()


async def test_a_unit_cancelled_as_it_is_handed_the_lead_passes_it_on(conn) -> None:
    """The race: a waiting unit's cancellation is already under way when the batch
    before it ends and hands it the lead. Its caller must pass the lead on, or the
    units queued behind it would wait forever. Staged by pretending a batch runs."""
    committer = GroupCommitter(conn)
    committer._leading = True  # a batch in flight, as far as the queue can tell
    first = anyio.CancelScope()

    async def first_in_line() -> None:
        with first:
            await committer.run(insert("first"))

    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            tg.start_soon(first_in_line)
            tg.start_soon(committer.run, insert("second"))
            await wait_all_tasks_blocked()
            first.cancel()  # delivered when `first_in_line` next runs...
            committer._leading = False
            committer._hand_over()  # ...after the pretend batch handed it the lead
    assert rows(conn) == ["second"]


async def test_a_cancelled_leader_still_commits_and_hands_over(conn) -> None:
    committer = GroupCommitter(conn)
    gate = threading.Event()
    with anyio.fail_after(10):
        await _cancel_the_leader(committer, gate)
    assert rows(conn) == ["leader", "waiting"]  # shielded: it committed anyway


async def _cancel_the_leader(committer: GroupCommitter, gate: threading.Event) -> None:
    async with anyio.create_task_group() as tg:
        with anyio.CancelScope() as leader:
            async with anyio.create_task_group() as inner:
                inner.start_soon(committer.run, blocked_until(gate, "leader"))
                await wait_all_tasks_blocked()
                tg.start_soon(committer.run, insert("waiting"))
                await wait_all_tasks_blocked()
                leader.cancel()
                gate.set()


async def test_aclose_waits_for_the_batch_in_flight_then_refuses(conn) -> None:
    committer = GroupCommitter(conn)
    gate = threading.Event()
    closed = False

    async def close() -> None:
        nonlocal closed
        await committer.aclose()
        closed = True

    async with anyio.create_task_group() as tg:
        tg.start_soon(committer.run, blocked_until(gate, "in flight"))
        await wait_all_tasks_blocked()
        tg.start_soon(close)
        await wait_all_tasks_blocked()
        assert not closed
        gate.set()
    assert closed
    assert rows(conn) == ["in flight"]
    with pytest.raises(Unavailable):
        await committer.run(insert("too late"))


async def _batches_after_a_blocked_one(
    conn: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch, queued: list[tuple[str, int]]
) -> list[list[str]]:
    """The transactions (their units' values) once `queued` units (value, weight),
    queued in order while a first unit holds the writer, have run."""
    batches: list[list[str]] = []
    real = group_commit.commit_batch

    def recording(conn: sqlite3.Connection, batch: list) -> None:
        real(conn, batch)
        batches.append([u.result for u in batch])

    monkeypatch.setattr(group_commit, "commit_batch", recording)
    committer = GroupCommitter(conn)
    gate = threading.Event()
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            tg.start_soon(committer.run, blocked_until(gate, "first"))
            await wait_all_tasks_blocked()
            for value, weight in queued:
                tg.start_soon(committer.run, insert(value), weight)
                await wait_all_tasks_blocked()
            gate.set()
    return batches


async def test_small_units_go_before_a_big_one_queued_beside_them(conn, monkeypatch) -> None:
    batches = await _batches_after_a_blocked_one(
        conn, monkeypatch, [("big", 10_000), ("small-1", 3), ("small-2", 1)]
    )
    assert batches == [["first"], ["small-1", "small-2"], ["big"]]


async def test_a_big_unit_is_passed_over_once_only(conn, monkeypatch) -> None:
    """Small units that keep arriving do not starve a big one."""
    batches: list[list[str]] = []
    real = group_commit.commit_batch
    committer = GroupCommitter(conn)
    arrivals = iter(["small-2", "small-3"])

    def recording(conn: sqlite3.Connection, batch: list) -> None:
        real(conn, batch)
        batches.append([u.result for u in batch])

    monkeypatch.setattr(group_commit, "commit_batch", recording)
    gate = threading.Event()
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:

            async def small_then_more(value: str) -> None:
                await committer.run(insert(value), 1)
                following = next(arrivals, None)
                if following is not None:  # arrives while the next batch is chosen
                    tg.start_soon(small_then_more, following)

            tg.start_soon(committer.run, blocked_until(gate, "first"))
            await wait_all_tasks_blocked()
            tg.start_soon(committer.run, insert("big"), 10_000)
            await wait_all_tasks_blocked()
            tg.start_soon(small_then_more, "small-1")
            await wait_all_tasks_blocked()
            gate.set()
    assert batches[:2] == [["first"], ["small-1"]]
    assert "big" in batches[2]
    assert sorted(v for batch in batches for v in batch) == [
        "big",
        "first",
        "small-1",
        "small-2",
        "small-3",
    ]
