"""What only the SQLite backend promises: a durable file, a schema version, a free loop."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import anyio
import pytest
from storage_helpers import PacedEncoding, make_job, submit_append

from armada_core.events import EventId
from armada_core.queues import Queue
from armada_storage import StorageConfigError
from armada_storage.sqlite import SqliteStorage
from armada_storage.sqlite.schema import SCHEMA_VERSION

pytestmark = pytest.mark.anyio


def pragma(path: Path, name: str) -> object:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        conn.close()


async def test_data_survives_close_and_reopen(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "folder" / "armada.db"
    storage = await SqliteStorage.open(path)
    job = make_job(client_id="c1")
    await storage.upsert_queue(Queue("q", 2.0))
    [first] = await storage.write(at_ms=500, jobs=[job], appends=[submit_append([job])])
    await storage.aclose()

    storage = await SqliteStorage.open(path)
    try:
        assert await storage.get_queue("q") == Queue("q", 2.0)
        assert (await storage.get_jobs([job.id]))[job.id].job == job
        assert await storage.find_client_ids("q", ["c1"]) == {"c1": job.id}
        assert [e.event.job for e in await storage.read_events("q", "js", None, 9)] == [job, None]
        [second] = await storage.write(at_ms=100, appends=[submit_append([make_job()])])
        assert second > first  # the entry id carries on, even with an earlier clock
        assert second == EventId(500, 1, 1, True)
    finally:
        await storage.aclose()


async def test_the_schema_version_is_recorded_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "armada.db"
    await (await SqliteStorage.open(path)).aclose()
    assert pragma(path, "user_version") == SCHEMA_VERSION
    assert pragma(path, "journal_mode") == "wal"
    await (await SqliteStorage.open(path)).aclose()  # reopening migrates nothing
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StorageConfigError, match="schema version"):
        await SqliteStorage.open(path)


async def test_synchronous_is_configurable(tmp_path: Path) -> None:
    storage = await SqliteStorage.open(tmp_path / "a.db", synchronous="normal")
    try:
        assert storage.settings.synchronous == "NORMAL"
        await storage.upsert_queue(Queue("q"))
        assert await storage.get_queue("q") == Queue("q")
    finally:
        await storage.aclose()
    with pytest.raises(StorageConfigError, match="synchronous"):
        await SqliteStorage.open(tmp_path / "b.db", synchronous="OFF")


async def test_reads_do_not_wait_for_a_write_in_flight(tmp_path: Path) -> None:
    storage = await SqliteStorage.open(tmp_path / "a.db")
    await storage.upsert_queue(Queue("q"))
    gate = threading.Event()

    def slow(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO queues VALUES ('later', '{}')")
        gate.wait(10)

    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(storage._committer.run, slow)  # holds the write transaction
            await anyio.wait_all_tasks_blocked()
            with anyio.fail_after(5):
                assert [q.name for q in await storage.list_queues()] == ["q"]
            gate.set()
    finally:
        gate.set()
        await storage.aclose()


async def test_a_big_write_leaves_the_event_loop_free(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A big write is encoded in paced slices before it takes the writer: other tasks
    run between the slices, and the writer thread runs SQL only (no JSON)."""
    storage = await SqliteStorage.open(tmp_path / "a.db", synchronous="NORMAL")
    jobs = [make_job() for _ in range(4000)]
    encoding = PacedEncoding(monkeypatch)
    try:
        await encoding.run(lambda: storage.write(at_ms=1, jobs=jobs, appends=[submit_append(jobs)]))
    finally:
        await storage.aclose()
    encoding.check(len(jobs))


async def test_commits_never_checkpoint_a_thread_does(tmp_path: Path) -> None:
    """The writer leaves the WAL to the checkpointer thread, which copies it into the
    database file while the storage is open."""
    path = tmp_path / "a.db"
    storage = await SqliteStorage.open(path, synchronous="NORMAL")
    try:
        assert storage._writer.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        before = path.stat().st_size
        jobs = [make_job() for _ in range(3000)]  # megabytes of WAL
        await storage.write(at_ms=1, jobs=jobs, appends=[submit_append(jobs)])
        runs = storage._checkpointer.runs
        with anyio.fail_after(30):
            while storage._checkpointer.runs < runs + 2:  # one whole round after the write
                await anyio.sleep(0.05)
        assert path.stat().st_size > before + 1_000_000
    finally:
        await storage.aclose()
    assert not storage._checkpointer._thread.is_alive()
