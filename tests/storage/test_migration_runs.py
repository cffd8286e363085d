"""Migration 5 (runs and executors) upgrades a file of the release before runs in place.

`fixtures/queued-c24da0f.db` was written by commit c24da0f
(`fixtures/make_queued_c24da0f.py`): queue `q`, three queued jobs, one cancelled.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from storage_helpers import (
    OLD_JOB_COLUMNS,
    POSTGRES_DSN,
    drop_schema,
    fresh_schema,
    insert_old_postgres_rows,
    make_job,
    old_job_row,
)

from armada_core.config import ServiceConfig
from armada_core.execution import LeaseCall
from armada_core.executors import Executor, NodeSnapshot
from armada_core.jobs import JobChange, JobState
from armada_core.permissions import Permission, PermissionConfig
from armada_core.principal import Principal
from armada_core.quantity import Quantity
from armada_core.queues import Queue
from armada_core.runs import Run
from armada_core.service import ArmadaService
from armada_storage.sqlite import SqliteStorage
from armada_storage.sqlite.schema import SCHEMA_VERSION

pytestmark = pytest.mark.anyio

FIXTURE = Path(__file__).parent / "fixtures" / "queued-c24da0f.db"
ADMIN = Principal("root", auth_method="Basic", groups=frozenset({"admins"}))


def _version(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


async def test_old_file_gains_runs_and_its_queued_jobs_are_leased(tmp_path: Path) -> None:
    path = tmp_path / "armada.db"
    shutil.copyfile(FIXTURE, path)
    assert _version(path) == 2
    storage = await SqliteStorage.open(path)
    try:
        perms = PermissionConfig.from_mappings(groups={p.value: ["admins"] for p in Permission})
        service = ArmadaService(storage, config=ServiceConfig(permissions=perms))
        node = NodeSnapshot("n1", total={"cpu": Quantity.parse("8").nanos})
        answer = await service.lease_job_runs(ADMIN, LeaseCall(Executor("ex", "", 0, (node,)), 10))
        leased = [lease.record.job.id for lease in answer.leases]
        assert len(leased) == 3
        states = await service.job_status(ADMIN, leased)
        assert set(states.values()) == {JobState.LEASED}
        assert len(await storage.active_runs("ex")) == 3
    finally:
        await storage.aclose()
    assert _version(path) == SCHEMA_VERSION


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_DSN, reason="set ARMADA_TEST_POSTGRES_DSN to run")
async def test_an_old_postgres_schema_gains_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    from armada_storage.postgres import PostgresStorage
    from armada_storage.postgres import schema as pg_schema

    name = fresh_schema()
    try:
        with monkeypatch.context() as patch:  # the schema of the release before runs
            patch.setattr(pg_schema, "SCHEMA_VERSION", 4)
            old = await PostgresStorage.open(POSTGRES_DSN, schema=name)
        await old.upsert_queue(Queue("q", 1.0))
        await old.aclose()
        job = make_job()  # queued, as that release wrote it
        jobs = f"INSERT INTO jobs ({OLD_JOB_COLUMNS}) VALUES ({', '.join(['%s'] * 9)})"
        await insert_old_postgres_rows(name, jobs, [old_job_row(job)])
        storage = await PostgresStorage.open(POSTGRES_DSN, schema=name)
        try:
            change = JobChange(job.id, JobState.QUEUED, JobState.LEASED, 2)
            run = Run("r1", job.id, "ex", "n1", "default", 1000, leased_ns=2)
            await storage.write(at_ms=2, changes=[change], runs=[run])
            assert [r.id for r in await storage.active_runs("ex")] == ["r1"]
        finally:
            await storage.aclose()
    finally:
        await drop_schema(name)
