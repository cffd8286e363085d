"""Migration 8 (executor settings) upgrades a database of the release before it.

`fixtures/executors-2481bfa.db` was written by commit 2481bfa
(`fixtures/make_executors_2481bfa.py`, schema version 6): queue `q`, executor `ex-1`
with one node holding one leased job, and one job still queued. PostgreSQL gets a
schema at version 6 (its first six migrations) with the same queue row.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from storage_helpers import POSTGRES_DSN, drop_schema, sqlite_rows
from storage_helpers import old_postgres_schema as postgres_schema_at

from armada_core.executors import ExecutorSettings
from armada_core.jobs import JobState
from armada_core.ports import Storage
from armada_storage.sqlite import SqliteStorage
from armada_storage.sqlite.schema import SCHEMA_VERSION

pytestmark = pytest.mark.anyio

FIXTURE = Path(__file__).parent / "fixtures" / "executors-2481bfa.db"
CORDON = ExecutorSettings("ex-1", True, "kernel upgrade", "root", 42)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def _settings_work(storage: Storage) -> None:
    assert await storage.list_executor_settings() == []
    await storage.upsert_executor_settings(CORDON)
    assert await storage.list_executor_settings() == [CORDON]
    await storage.delete_executor_settings("ex-1")
    assert await storage.list_executor_settings() == []


async def test_sqlite_file_of_the_previous_release_gains_executor_settings(
    tmp_path: Path,
) -> None:
    path = tmp_path / "armada.db"
    shutil.copyfile(FIXTURE, path)
    assert sqlite_rows(path, "PRAGMA user_version") == [(6,)]
    storage = await SqliteStorage.open(path)
    try:
        await _settings_work(storage)
        assert [e.id for e in await storage.list_executors()] == ["ex-1"]
        [run] = await storage.active_runs("ex-1")
        holder = (await storage.get_jobs([run.job_id]))[run.job_id]
        assert holder.state is JobState.LEASED
        assert len(await storage.jobs_in_queue("q", [JobState.QUEUED])) == 1
        await storage.delete_executor("ex-1")
        assert await storage.list_executors() == []
        assert [r.id for r in await storage.active_runs("ex-1")] == [run.id]
    finally:
        await storage.aclose()
    assert sqlite_rows(path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]


@pytest.fixture
async def old_postgres_schema() -> AsyncIterator[str]:
    """A schema at version 6 holding the fixture's queue row as it was written."""
    if not POSTGRES_DSN:
        pytest.skip("set ARMADA_TEST_POSTGRES_DSN to a PostgreSQL DSN to run")
    pytest.importorskip("psycopg")
    rows = [(str(n), str(d)) for n, d in sqlite_rows(FIXTURE, "SELECT name, data FROM queues")]
    name = await postgres_schema_at(6, rows)
    try:
        yield name
    finally:
        await drop_schema(name)


@pytest.mark.postgres
async def test_postgres_schema_of_the_previous_release_gains_executor_settings(
    old_postgres_schema: str,
) -> None:
    from armada_storage.postgres import PostgresStorage

    storage = await PostgresStorage.open(POSTGRES_DSN, schema=old_postgres_schema)
    try:
        await _settings_work(storage)
        assert [q.name for q in await storage.list_queues()] == ["q"]
    finally:
        await storage.aclose()
