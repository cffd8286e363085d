"""Builders shared by the storage tests: jobs, events, appends, backends."""

from __future__ import annotations

import itertools
import os
import sqlite3
import threading
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel

from armada_core.events import Event, EventKind
from armada_core.jobs import Job, JobState, ResourceRequirements
from armada_core.kube_pod import KubePodSpec
from armada_core.ports import Append, Storage
from armada_core.queues import Queue
from armada_storage import MemoryStorage, _codec, _rows
from armada_storage.registry import open_storage
from armada_storage.sqlite import SqliteStorage

POSTGRES_DSN = os.environ.get("ARMADA_TEST_POSTGRES_DSN", "")
_ids = itertools.count()


def pod_spec(i: int = 0) -> dict[str, Any]:
    """A small but nested pod spec."""
    return {
        "restartPolicy": "Never",
        "containers": [
            {
                "name": "main",
                "image": "busybox:1.36",
                "args": ["sleep", str(i)],
                "resources": {"requests": {"cpu": "100m"}, "limits": {"cpu": "100m"}},
            }
        ],
        "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoSchedule"}],
    }


def new_id() -> str:
    return f"01j{next(_ids):023d}"


def make_job(queue: str = "q", job_set_id: str = "js", **overrides: Any) -> Job:
    values: dict[str, Any] = {
        "id": new_id(),
        "queue": queue,
        "job_set_id": job_set_id,
        "namespace": "default",
        "owner": "alice",
        "groups": ("team", "everyone"),
        "priority": 3,
        "created_ns": 1_700_000_000_000_000_000 + next(_ids),
        "spec": KubePodSpec(pod_spec()),
        "labels": {"app": "x"},
        "annotations": {"a": "b"},
        "scheduling_resource_requirements": ResourceRequirements({"cpu": "100m"}, {"cpu": "100m"}),
    }
    values.update(overrides)
    if "pod_spec" in values:  # a Kubernetes JSON dict, as tests write it
        values["spec"] = KubePodSpec(values.pop("pod_spec"))
    return Job(**values)


# A jobs row as releases before migration 9 wrote it: the whole job as JSON, pod spec in it.
OLD_JOB_COLUMNS = (
    "id, queue, job_set_id, state, priority, last_transition_ns, client_id, external_job_uri, spec"
)


def old_job_row(job: Job, state: JobState = JobState.QUEUED) -> tuple[Any, ...]:
    """The row of `OLD_JOB_COLUMNS` a release before migration 9 wrote for `job`."""
    return (
        job.id, job.queue, job.job_set_id, int(state), job.priority, job.created_ns,
        job.client_id, job.external_job_uri, _codec.encode(_codec.job_to_dict(job)),
    )  # fmt: skip


async def insert_old_postgres_rows(schema: str, statement: str, rows: Sequence[Any]) -> None:
    """Rows written into `schema` with `statement` (%s marks) as an earlier release did."""
    import psycopg  # optional: only the postgres tests get here
    from psycopg import sql

    async with await psycopg.AsyncConnection.connect(POSTGRES_DSN, autocommit=True) as conn:
        await conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        for row in rows:
            await conn.execute(statement, row)


def sqlite_rows(path: Path, query: str) -> list[tuple[Any, ...]]:
    """What `query` reads from the SQLite file at `path` (opened for it, then closed)."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


async def copy_fixture_rows(fixture: Path, schema: str, job_columns: str) -> None:
    """The jobs (`job_columns` of them), job sets, events and client ids of a SQLite
    fixture of an earlier release, inserted into a PostgreSQL schema at its version."""
    jobs = sqlite_rows(fixture, f"SELECT {job_columns} FROM jobs ORDER BY n")
    job_sets = sqlite_rows(fixture, "SELECT * FROM job_sets ORDER BY id")
    events = [(*r[:5], bool(r[5]), r[6]) for r in sqlite_rows(fixture, "SELECT * FROM events")]
    client_ids = sqlite_rows(fixture, "SELECT * FROM client_ids")
    marks = ", ".join(["%s"] * len(jobs[0]))
    statements = (
        (f"INSERT INTO jobs ({job_columns}) VALUES ({marks})", jobs),
        ("INSERT INTO job_sets OVERRIDING SYSTEM VALUE VALUES (%s, %s, %s, %s, %s)", job_sets),
        ("INSERT INTO events VALUES (%s, %s, %s, %s, %s, %s, %s)", events),
        ("INSERT INTO client_ids VALUES (%s, %s, %s)", client_ids),
    )
    for statement, rows in statements:
        await insert_old_postgres_rows(schema, statement, rows)


def submitted(job: Job) -> tuple[Event, Event]:
    return (
        Event(EventKind.SUBMITTED, job.id, job.created_ns, job=job),
        Event(EventKind.QUEUED, job.id, job.created_ns),
    )


def event(job_id: str = "j", kind: EventKind = EventKind.CANCELLED, **fields: Any) -> Event:
    return Event(kind, job_id, 42, fields)


def submit_append(jobs: Sequence[Job]) -> Append:
    """One entry holding submitted + queued for every job (as SubmitJobs writes it)."""
    events = tuple(e for job in jobs for e in submitted(job))
    return Append(jobs[0].queue, jobs[0].job_set_id, events)


async def open_backend(name: str, folder: Path) -> Storage:
    if name == "memory":
        return MemoryStorage()
    if name == "sqlite":
        return await SqliteStorage.open(folder / "db" / "armada.db")
    schema = fresh_schema()
    storage = await open_storage({"backend": name, name: {"dsn": POSTGRES_DSN, "schema": schema}})
    return DropSchemaOnClose(storage, schema)


async def old_postgres_schema(version: int, queue_rows: Sequence[tuple[str, str]]) -> str:
    """A fresh schema at `version` (its SQL migrations run; repairs have nothing to do)
    holding queue rows as an earlier release wrote them. Drop it with `drop_schema`."""
    import psycopg  # optional: only the postgres tests get here
    from psycopg import sql

    from armada_storage.postgres.schema import MIGRATIONS

    name = fresh_schema()
    async with await psycopg.AsyncConnection.connect(POSTGRES_DSN, autocommit=True) as conn:
        await conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
        await conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(name)))
        await conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY)")
        for number, statements in enumerate(MIGRATIONS[:version], start=1):
            for statement in statements:
                if isinstance(statement, str):
                    await conn.execute(statement)
            await conn.execute("INSERT INTO schema_version VALUES (%s)", (number,))
        for row in queue_rows:
            await conn.execute("INSERT INTO queues (name, data) VALUES (%s, %s)", row)
    return name


def fresh_schema() -> str:
    """A schema name no other test uses: each test starts from an empty database."""
    return f"armada_test_{uuid.uuid4().hex[:16]}"


async def drop_schema(schema: str) -> None:
    """Drop a test schema and everything in it (the database stays clean)."""
    import psycopg  # optional: only the postgres tests get here
    from psycopg import sql

    async with await psycopg.AsyncConnection.connect(POSTGRES_DSN, autocommit=True) as conn:
        await conn.execute(
            sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
        )


class DropSchemaOnClose:
    """A storage in its own schema, which `aclose` drops after closing the storage."""

    def __init__(self, storage: Storage, schema: str) -> None:
        self.storage = storage
        self.schema = schema
        self.changes = storage.changes

    def __getattr__(self, name: str) -> Any:
        return getattr(self.storage, name)

    async def aclose(self) -> None:
        try:
            await self.storage.aclose()
        finally:
            await drop_schema(self.schema)


class PacedEncoding:
    """Records, per job the write encoder encodes, its thread and the turns of the
    event loop another task had so far: a paced encoder lets that task run between
    its slices, and encodes nothing on a worker thread."""

    def __init__(self, monkeypatch: Any) -> None:
        self.calls: list[tuple[int, int]] = []
        self.ticks = 0
        encode = _rows.job_to_json

        def recording(job: Job) -> str:
            self.calls.append((threading.get_ident(), self.ticks))
            return encode(job)

        monkeypatch.setattr(_rows, "job_to_json", recording)

    async def run(self, work: Callable[[], Awaitable[Any]]) -> None:
        """`work()` with a task counting its turns beside it."""
        done = anyio.Event()

        async def ticker() -> None:
            while not done.is_set():
                self.ticks += 1
                await anyio.lowlevel.checkpoint()

        async with anyio.create_task_group() as tg:
            tg.start_soon(ticker)
            try:
                await work()
            finally:
                done.set()

    def check(self, jobs: int) -> None:
        assert len(self.calls) == jobs
        assert {thread for thread, _ in self.calls} == {threading.get_ident()}
        assert self.calls[-1][1] > self.calls[0][1], "the encoding never let the loop run"


def count_queue_reads(storage: Any, monkeypatch: Any) -> list[str]:
    """The names a SQL backend reads from its queues table (not its cache) from now on."""
    names: list[str] = []
    read = storage._read_queue

    async def counting(name: str) -> Queue | None:
        names.append(name)
        return await read(name)

    monkeypatch.setattr(storage, "_read_queue", counting)
    return names
