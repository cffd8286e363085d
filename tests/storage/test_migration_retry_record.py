"""A job's retry record (migration 7): a database written by the release before it
(commit 2481bfa, `fixtures/make_retried_2481bfa.py`, schema version 6) opens with its
jobs, runs and policies, every job with an empty record, and records can be written.

PostgreSQL: a schema at version 6 with a job row as that release wrote it opens with
the current code and gains the column.
"""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from storage_helpers import POSTGRES_DSN, drop_schema, old_postgres_schema

from armada_core.jobs import JobChange, JobState
from armada_core.ports import Storage
from armada_core.retry.memory import MemoryRecord
from armada_core.retry.record import RetryMutations
from armada_storage.sqlite import SqliteStorage
from armada_storage.sqlite.schema import SCHEMA_VERSION

pytestmark = pytest.mark.anyio

FIXTURE = Path(__file__).parent / "fixtures" / "retried-2481bfa.db"
GROWN = RetryMutations(MemoryRecord(factor=1.5), ("node-1",))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _old_jobs() -> list[tuple[object, ...]]:
    conn = sqlite3.connect(FIXTURE)
    try:
        assert conn.execute("PRAGMA user_version").fetchone() == (6,)
        return conn.execute(
            "SELECT id, queue, job_set_id, state, priority, last_transition_ns, client_id,"
            " external_job_uri, spec FROM jobs ORDER BY n"
        ).fetchall()
    finally:
        conn.close()


async def _assert_usable(storage: Storage, leased_id: str) -> None:
    records = await storage.jobs_in_queue("q", {JobState.QUEUED, JobState.LEASED})
    assert sorted(r.state for r in records) == [JobState.QUEUED, JobState.LEASED]
    assert all(r.retry == RetryMutations() for r in records)
    retried = JobChange(leased_id, JobState.LEASED, JobState.QUEUED, 9, retry=GROWN)
    await storage.write(at_ms=3, changes=[retried])
    assert (await storage.get_jobs([leased_id]))[leased_id].retry == GROWN


async def test_sqlite_file_of_the_previous_release_gains_the_retry_record(tmp_path: Path) -> None:
    path = tmp_path / "armada.db"
    shutil.copyfile(FIXTURE, path)
    leased_id = str(_old_jobs()[1][0])
    storage = await SqliteStorage.open(path)
    try:
        [run] = (await storage.runs_of_jobs([leased_id]))[leased_id]
        assert (run.id, run.node) == ("run-1", "node-1")
        assert [p.name for p in await storage.list_retry_policies()] == ["oom"]
        queue = await storage.get_queue("q")
        assert queue is not None and queue.retry_policies == ("oom",)
        await _assert_usable(storage, leased_id)
    finally:
        await storage.aclose()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    finally:
        conn.close()


@pytest.fixture
async def old_schema() -> AsyncIterator[str]:
    if not POSTGRES_DSN:
        pytest.skip("set ARMADA_TEST_POSTGRES_DSN to a PostgreSQL DSN to run")
    pytest.importorskip("psycopg")
    name = await old_postgres_schema(6, [])
    try:
        yield name
    finally:
        await drop_schema(name)


@pytest.mark.postgres
async def test_postgres_schema_of_the_previous_release_gains_the_retry_record(
    old_schema: str,
) -> None:
    import psycopg
    from psycopg import sql

    from armada_core.queues import Queue
    from armada_storage.postgres import PostgresStorage

    jobs = _old_jobs()
    async with await psycopg.AsyncConnection.connect(POSTGRES_DSN, autocommit=True) as conn:
        await conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(old_schema)))
        for row in jobs:
            await conn.execute(
                "INSERT INTO jobs (id, queue, job_set_id, state, priority, last_transition_ns,"
                " client_id, external_job_uri, spec) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                row,
            )
    storage = await PostgresStorage.open(POSTGRES_DSN, schema=old_schema)
    try:
        await storage.upsert_queue(dataclasses.replace(Queue("q", 1.0)))
        await _assert_usable(storage, str(jobs[1][0]))
    finally:
        await storage.aclose()


async def test_the_sqlite_step_may_run_twice(tmp_path: Path) -> None:
    from armada_storage.sqlite.schema import MIGRATIONS

    path = tmp_path / "armada.db"
    shutil.copyfile(FIXTURE, path)
    storage = await SqliteStorage.open(path)
    await storage.aclose()
    [step] = MIGRATIONS[6]
    assert callable(step)
    conn = sqlite3.connect(path)
    try:
        step(conn)  # the column exists: nothing happens
        columns = [row[1] for row in conn.execute("PRAGMA table_info(jobs)")]
    finally:
        conn.close()
    assert columns.count("retry") == 1
