"""Migration 9 (pod specs as protobuf bytes) upgrades a database of the release before it.

`fixtures/pod-specs-f520a40.db` was written by commit f520a40
(`fixtures/make_pod_specs_f520a40.py`, schema version 8): 33 jobs of queue `q` in job
sets s1 and s2, submitted the way that release's gRPC handler took them, with pod specs
of many shapes (some carrying protobuf fields our schema lacks, under `$unknown`), one
of them cancelled. PostgreSQL gets a schema at version 8 holding the same rows.

Every job reads back equal to what the old release stored (`Job ==` compares the
Kubernetes JSON shapes), its pod spec bytes those the codec makes of the old JSON: a
pod spec that carried unknown fields has them in its bytes now, not under `$unknown`.
The upgrade walks the table in batches (made small here to see several).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from storage_helpers import POSTGRES_DSN, copy_fixture_rows, drop_schema, sqlite_rows
from storage_helpers import old_postgres_schema as postgres_schema_at

from armada_adapters.wire.jsoncodec import UNKNOWN_KEY
from armada_adapters.wire.pod_spec import ProtobufPodSpecs
from armada_core.jobs import Job, JobState
from armada_core.kube_pod import KubePodSpec
from armada_core.ports import Storage
from armada_core.submission.podspec import priority_class_name
from armada_storage import _codec
from armada_storage.sqlite import SqliteStorage
from armada_storage.sqlite.schema import SCHEMA_VERSION

pytestmark = pytest.mark.anyio

FIXTURE = Path(__file__).parent / "fixtures" / "pod-specs-f520a40.db"
UNKNOWN = bytes([0xBA, 0x3E, 3]) + b"odd"  # what the maker added to some pod specs
BATCH = 7  # jobs per upgrade batch in these tests: 33 jobs make 5 batches
# The jobs columns of schema version 8 but `n` (PostgreSQL numbers its rows itself).
JOB_COLUMNS = (
    "id, queue, job_set_id, state, priority, last_transition_ns, client_id, external_job_uri,"
    " cancel_ns, cancel_reason, cancel_user, error, spec, retry"
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _old_pod_specs() -> dict[str, dict[str, Any]]:
    """Each job's pod spec as the old release stored it, by job id."""
    return {job_id: json.loads(spec)["pod_spec"] for job_id, spec in _stored_specs(FIXTURE)}


def _stored_specs(path: Path) -> list[tuple[str, str]]:
    return [(str(i), str(s)) for i, s in sqlite_rows(path, "SELECT id, spec FROM jobs ORDER BY n")]


def _expected_jobs() -> dict[str, Job]:
    """The old release's jobs as it read them, `$unknown` left out of their pod specs."""
    jobs = {}
    for job_id, text in _stored_specs(FIXTURE):
        data = json.loads(text)
        pod = {k: v for k, v in data["pod_spec"].items() if k != UNKNOWN_KEY}
        jobs[job_id] = _codec.job_from_dict({**data, "pod_spec": pod})
    return jobs


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Jobs per upgrade batch, as both backends' upgrade steps take them."""
    from armada_storage import _migrations

    sizes: list[int] = []
    upgraded = _migrations.upgraded_jobs

    def recording(rows: Any, pod_specs: Any) -> Any:
        sizes.append(len(rows))
        return upgraded(rows, pod_specs)

    for module in _schema_modules():
        monkeypatch.setattr(module, "UPGRADE_BATCH", BATCH)
        monkeypatch.setattr(module, "upgraded_jobs", recording)
    return sizes


def _schema_modules() -> list[Any]:
    from armada_storage.sqlite import schema as sqlite_schema

    modules: list[Any] = [sqlite_schema]
    try:
        from armada_storage.postgres import schema as postgres_schema
    except ImportError:  # psycopg is optional
        return modules
    return [*modules, postgres_schema]


async def _assert_upgraded(storage: Storage, rows: list[tuple[Any, ...]]) -> None:
    """`rows` (`jobs.spec`, `jobs.pod_spec`) as migration 9 left them, and every read."""
    old = _old_pod_specs()
    assert len(rows) == len(old) == 33
    for spec, pod_spec in rows:
        data = json.loads(spec)
        assert "pod_spec" not in data
        assert data["priority_class"] == priority_class_name(old[data["id"]])
        assert bytes(pod_spec) == ProtobufPodSpecs().encode(KubePodSpec(old[data["id"]]))
    expected = _expected_jobs()
    records = await storage.get_jobs(list(expected))
    assert {job_id: r.job for job_id, r in records.items()} == expected
    carried = [job_id for job_id, pod in old.items() if UNKNOWN_KEY in pod]
    assert len(carried) == 7
    assert all(records[job_id].job.spec.encoded().endswith(UNKNOWN) for job_id in carried)
    assert [r.state for r in records.values()].count(JobState.CANCELLED) == 1
    for job_set_id, count in (("s1", 24), ("s2", 9)):
        events = await storage.read_events("q", job_set_id, None, 1000)
        jobs = [e.event.job for e in events if e.event.job is not None]
        assert jobs == [expected[job.id] for job in jobs] and len(jobs) == count
    queued = [r for r in records.values() if r.state is JobState.QUEUED]
    classes = {priority_class_name(old[r.job.id]) for r in queued}
    assert {group.priority_class for group in await storage.queued_jobs()} == classes
    assert "" in classes and len(classes) == 4


async def test_sqlite_file_of_the_previous_release_stores_pod_specs_as_bytes(
    tmp_path: Path, batches: list[int]
) -> None:
    path = tmp_path / "armada.db"
    shutil.copyfile(FIXTURE, path)
    assert sqlite_rows(path, "PRAGMA user_version") == [(8,)]
    storage = await SqliteStorage.open(path)
    try:
        rows = sqlite_rows(path, "SELECT spec, pod_spec FROM jobs ORDER BY n")
        await _assert_upgraded(storage, rows)
    finally:
        await storage.aclose()
    assert sqlite_rows(path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert batches == [7, 7, 7, 7, 5]


async def test_the_sqlite_upgrade_skips_rows_upgraded_already(
    tmp_path: Path, batches: list[int]
) -> None:
    from armada_storage.sqlite.schema import MIGRATIONS

    path = tmp_path / "armada.db"
    shutil.copyfile(FIXTURE, path)
    await (await SqliteStorage.open(path)).aclose()
    upgraded = sqlite_rows(path, "SELECT spec, pod_spec FROM jobs ORDER BY n")
    step = MIGRATIONS[8][1]
    conn = sqlite3.connect(path)
    try:
        step.run(conn, ProtobufPodSpecs())  # type: ignore[union-attr]
        conn.commit()
    finally:
        conn.close()
    assert sqlite_rows(path, "SELECT spec, pod_spec FROM jobs ORDER BY n") == upgraded


@pytest.fixture
async def old_postgres_schema() -> AsyncIterator[str]:
    """A schema at version 8 holding the fixture's rows as that release wrote them."""
    if not POSTGRES_DSN:
        pytest.skip("set ARMADA_TEST_POSTGRES_DSN to a PostgreSQL DSN to run")
    pytest.importorskip("psycopg")
    name = await postgres_schema_at(8, sqlite_rows(FIXTURE, "SELECT name, data FROM queues"))
    try:
        await copy_fixture_rows(FIXTURE, name, JOB_COLUMNS)
        yield name
    finally:
        await drop_schema(name)


@pytest.mark.postgres
async def test_postgres_schema_of_the_previous_release_stores_pod_specs_as_bytes(
    old_postgres_schema: str, batches: list[int]
) -> None:
    from armada_storage.postgres import PostgresStorage

    storage = await PostgresStorage.open(POSTGRES_DSN, schema=old_postgres_schema)
    try:
        rows = await _postgres_rows(storage)
        await _assert_upgraded(storage, rows)
    finally:
        await storage.aclose()
    assert batches == [7, 7, 7, 7, 5]


async def _postgres_rows(storage: Any) -> list[tuple[Any, ...]]:
    async def run(conn: Any) -> list[tuple[Any, ...]]:
        cursor = await conn.execute("SELECT spec, pod_spec FROM jobs ORDER BY n")
        return list(await cursor.fetchall())

    rows: list[tuple[Any, ...]] = await storage._pool.run(run)
    return rows
