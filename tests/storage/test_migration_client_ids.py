"""Migration 2: one dedup target per client id, the oldest job, in databases that
the client-id race of the previous release (commit 52ed122) left with duplicates.

`fixtures/dedup-race-52ed122.db` was written by that release's code
(`fixtures/make_dedup_race_52ed122.py`): four concurrent submits of client ids c0..c4
made four jobs each. Migrating keeps every job; later submits get the oldest.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from storage_helpers import (
    OLD_JOB_COLUMNS,
    POSTGRES_DSN,
    drop_schema,
    fresh_schema,
    insert_old_postgres_rows,
    make_job,
    old_job_row,
    pod_spec,
)

from armada_core.commands import JobSubmitItem, SubmitJobs
from armada_core.config import ServiceConfig
from armada_core.permissions import Permission, PermissionConfig
from armada_core.ports import Storage
from armada_core.principal import Principal
from armada_core.service import ArmadaService
from armada_storage.sqlite import SqliteStorage
from armada_storage.sqlite.schema import SCHEMA_VERSION

pytestmark = pytest.mark.anyio

FIXTURE = Path(__file__).parent / "fixtures" / "dedup-race-52ed122.db"
CLIENT_IDS = [f"c{i}" for i in range(5)]
ADMIN = Principal("root", auth_method="Basic", groups=frozenset({"admins"}))


def _old_file(tmp_path: Path) -> Path:
    path = tmp_path / "armada.db"
    shutil.copyfile(FIXTURE, path)
    return path


def _query(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


def _oldest(path: Path) -> dict[str, str]:
    rows = _query(path, "SELECT client_id, id FROM jobs WHERE client_id <> '' ORDER BY n DESC")
    return dict(rows)  # the last row of a client id, i.e. its lowest n, wins


async def _resubmit(storage: Storage) -> list[str]:
    perms = PermissionConfig.from_mappings(groups={p.value: ["admins"] for p in Permission})
    service = ArmadaService(storage, config=ServiceConfig(permissions=perms))
    items = tuple(
        JobSubmitItem(namespace="ns", client_id=c, pod_spec=pod_spec()) for c in CLIENT_IDS
    )
    return await service.submit_jobs(ADMIN, SubmitJobs("q", "js", items))


def test_the_fixture_holds_the_race_it_stands_for() -> None:
    assert _query(FIXTURE, "PRAGMA user_version") == [(1,)]
    counts = _query(FIXTURE, "SELECT count(*) FROM jobs WHERE client_id <> '' GROUP BY client_id")
    assert counts == [(4,)] * 5


@pytest.mark.parametrize("newest_recorded", [False, True])
async def test_an_old_sqlite_file_keeps_every_job_and_answers_with_the_oldest(
    tmp_path: Path, newest_recorded: bool
) -> None:
    path = _old_file(tmp_path)
    if newest_recorded:  # as a race between two PostgreSQL processes could leave it
        newest = dict(_query(path, "SELECT client_id, id FROM jobs ORDER BY n"))
        with sqlite3.connect(path) as conn:
            conn.executemany(
                "UPDATE client_ids SET job_id = ? WHERE client_id = ?",
                [(newest[c], c) for c in CLIENT_IDS],
            )
    before = _query(path, "SELECT id FROM jobs ORDER BY n")
    storage = await SqliteStorage.open(path)
    try:
        assert await _resubmit(storage) == [_oldest(path)[c] for c in CLIENT_IDS]
    finally:
        await storage.aclose()
    assert _query(path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert _query(path, "SELECT id FROM jobs ORDER BY n") == before  # nothing deleted or added
    assert dict(_query(path, "SELECT client_id, job_id FROM client_ids")) == _oldest(path)


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_DSN, reason="set ARMADA_TEST_POSTGRES_DSN to run")
async def test_an_old_postgres_schema_records_the_oldest_job(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from armada_storage.postgres import PostgresStorage
    from armada_storage.postgres import schema as pg_schema

    name = fresh_schema()
    try:
        with monkeypatch.context() as patch:  # the schema of the previous release
            patch.setattr(pg_schema, "SCHEMA_VERSION", 1)
            old = await PostgresStorage.open(POSTGRES_DSN, schema=name)
        await old.aclose()
        first, second = make_job(client_id="c1"), make_job(client_id="c1")
        # The race's outcome, as that release wrote it: two jobs, the newer one recorded.
        jobs = f"INSERT INTO jobs ({OLD_JOB_COLUMNS}) VALUES ({', '.join(['%s'] * 9)})"
        await insert_old_postgres_rows(name, jobs, [old_job_row(first), old_job_row(second)])
        client_ids = "INSERT INTO client_ids VALUES (%s, %s, %s)"
        await insert_old_postgres_rows(name, client_ids, [("q", "c1", second.id)])
        storage = await PostgresStorage.open(POSTGRES_DSN, schema=name)
        try:
            assert await storage.find_client_ids("q", ["c1"]) == {"c1": first.id}
            assert set(await storage.get_jobs([first.id, second.id])) == {first.id, second.id}
            versions = await _sql(storage, "SELECT max(version) FROM schema_version")
            assert versions == [(pg_schema.SCHEMA_VERSION,)]
        finally:
            await storage.aclose()
    finally:
        await drop_schema(name)


async def _sql(storage: Any, query: str) -> list[tuple[Any, ...]]:
    async def run(conn: Any) -> list[tuple[Any, ...]]:
        cursor = await conn.execute(query)
        return await cursor.fetchall() if cursor.description else []

    result: list[tuple[Any, ...]] = await storage._pool.run(run)
    return result
