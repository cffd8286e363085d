"""The retry-policy table (migration 5): a database written by the release before it
(commit d883dc0, `fixtures/make_queues_d883dc0.py`, schema version 4) opens, keeps its
queues and jobs, and takes policies and queue attachments.

PostgreSQL gets the same queue rows, text for text, under its first four migrations
(unchanged since that release), then opens with the current code.
"""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from storage_helpers import POSTGRES_DSN, drop_schema
from storage_helpers import old_postgres_schema as postgres_schema_at

from armada_core.jobs import JobState
from armada_core.ports import Storage
from armada_core.queues import QueuePermission, Subject
from armada_core.retry.policy import RetryAction, RetryPolicy
from armada_storage.sqlite import SqliteStorage
from armada_storage.sqlite.schema import SCHEMA_VERSION

pytestmark = pytest.mark.anyio

FIXTURE = Path(__file__).parent / "fixtures" / "queues-d883dc0.db"
POLICY = RetryPolicy("oom", 2, RetryAction.RETRY)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _old_rows() -> list[tuple[str, str]]:
    conn = sqlite3.connect(FIXTURE)
    try:
        assert conn.execute("PRAGMA user_version").fetchone() == (4,)
        return conn.execute("SELECT name, data FROM queues ORDER BY name").fetchall()
    finally:
        conn.close()


async def _assert_usable(storage: Storage) -> None:
    queues = {q.name: q for q in await storage.list_queues()}
    assert sorted(queues) == ["a", "b"]
    assert queues["b"].cordoned and queues["b"].labels == {"team": "ml"}
    assert queues["a"].permissions[0].subjects == (Subject("User", "root"),)
    assert isinstance(queues["a"].permissions[0], QueuePermission)
    assert all(q.retry_policies == () for q in queues.values())
    assert await storage.list_retry_policies() == []
    await storage.upsert_retry_policy(POLICY)
    await storage.upsert_queue(dataclasses.replace(queues["a"], retry_policies=("oom",)))
    attached = await storage.get_queue("a")
    assert attached is not None and attached.retry_policies == ("oom",)
    assert await storage.delete_retry_policy("oom") == ["a"]


async def test_sqlite_file_of_the_previous_release_gains_the_table(tmp_path: Path) -> None:
    path = tmp_path / "armada.db"
    shutil.copyfile(FIXTURE, path)
    storage = await SqliteStorage.open(path)
    try:
        await _assert_usable(storage)
        jobs = await storage.jobs_in_queue("a", [JobState.QUEUED])
        assert len(jobs) == 1
    finally:
        await storage.aclose()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        tables = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()
    assert "retry_policies" in tables


@pytest.fixture
async def old_postgres_schema() -> AsyncIterator[str]:
    """A schema at version 4 holding the fixture's queue rows as they were written."""
    if not POSTGRES_DSN:
        pytest.skip("set ARMADA_TEST_POSTGRES_DSN to a PostgreSQL DSN to run")
    pytest.importorskip("psycopg")
    name = await postgres_schema_at(4, _old_rows())
    try:
        yield name
    finally:
        await drop_schema(name)


@pytest.mark.postgres
async def test_postgres_schema_of_the_previous_release_gains_the_table(
    old_postgres_schema: str,
) -> None:
    from armada_storage.postgres import PostgresStorage

    storage = await PostgresStorage.open(POSTGRES_DSN, schema=old_postgres_schema)
    try:
        await _assert_usable(storage)
    finally:
        await storage.aclose()
