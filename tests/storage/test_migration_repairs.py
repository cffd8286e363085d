"""Migration 2 repairs queues stored with numbers the API now refuses.

`fixtures/queues-52ed122.sqlite` was written by the storage of commit 52ed122 (the
release before input limits), through `SqliteStorage.upsert_queue`, with:
- `infinite`: priority factor +Infinity (accepted then over gRPC; it broke GetQueues);
- `fractions`: resource fractions NaN and +Infinity, a label value ":Infinity";
- `plain`: priority factor 3.
PostgreSQL gets the same rows, text for text, under its first migration (unchanged
since that release), then opens with the current code.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from storage_helpers import POSTGRES_DSN, drop_schema
from storage_helpers import old_postgres_schema as postgres_schema_at

from armada_core.limits import MAX_PRIORITY_FACTOR
from armada_core.ports import Storage
from armada_storage.sqlite import SqliteStorage
from armada_storage.sqlite.schema import SCHEMA_VERSION

pytestmark = pytest.mark.anyio

FIXTURE = Path(__file__).parent / "fixtures" / "queues-52ed122.sqlite"


def _old_rows() -> list[tuple[str, str]]:
    conn = sqlite3.connect(FIXTURE)
    try:
        assert conn.execute("PRAGMA user_version").fetchone() == (1,)
        return conn.execute("SELECT name, data FROM queues ORDER BY name").fetchall()
    finally:
        conn.close()


async def _assert_repaired(storage: Storage) -> None:
    queues = {q.name: q for q in await storage.list_queues()}
    assert sorted(queues) == ["fractions", "infinite", "plain"]
    assert queues["infinite"].priority_factor == MAX_PRIORITY_FACTOR
    assert queues["plain"].priority_factor == 3.0
    limits = queues["fractions"].resource_limits_by_priority_class_name["pc"]
    assert limits.maximum_resource_fraction == {"cpu": 1.0, "memory": 0.5}
    assert limits.maximum_resource_fraction_by_pool["pool"].maximum_resource_fraction == {
        "gpu": 1.0
    }
    assert queues["fractions"].labels == {"note": ":Infinity"}  # text is not a number


def test_the_fixture_holds_what_broke_listing() -> None:
    rows = dict(_old_rows())
    assert '"priority_factor":Infinity' in rows["infinite"]
    assert '"cpu":NaN' in rows["fractions"]


async def test_sqlite_repairs_queues_of_the_previous_release(tmp_path: Path) -> None:
    path = tmp_path / "armada.db"
    shutil.copy(FIXTURE, path)
    storage = await SqliteStorage.open(path)
    try:
        await _assert_repaired(storage)
    finally:
        await storage.aclose()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        stored = dict(conn.execute("SELECT name, data FROM queues").fetchall())
    finally:
        conn.close()
    assert not any(word in stored["infinite"] for word in ("Infinity", "NaN"))
    assert stored["plain"] == dict(_old_rows())["plain"]  # untouched


@pytest.fixture
async def old_postgres_schema() -> AsyncIterator[str]:
    """A schema at version 1 holding the fixture's queue rows as they were written."""
    if not POSTGRES_DSN:
        pytest.skip("set ARMADA_TEST_POSTGRES_DSN to a PostgreSQL DSN to run")
    pytest.importorskip("psycopg")
    name = await postgres_schema_at(1, _old_rows())
    try:
        yield name
    finally:
        await drop_schema(name)


@pytest.mark.postgres
async def test_postgres_repairs_queues_of_the_previous_release(old_postgres_schema: str) -> None:
    from armada_storage.postgres import PostgresStorage

    storage = await PostgresStorage.open(POSTGRES_DSN, schema=old_postgres_schema)
    try:
        await _assert_repaired(storage)
    finally:
        await storage.aclose()
