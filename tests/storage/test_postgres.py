"""What only the PostgreSQL backend promises: several server processes on one database.

Two `PostgresStorage` instances on the same schema stand for two server processes:
each has its own connections (its own PostgreSQL backends) and its own change feed.
The tests that need a server skip unless ARMADA_TEST_POSTGRES_DSN is set; each uses a
fresh schema and drops it afterwards.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest
from storage_helpers import (
    POSTGRES_DSN,
    PacedEncoding,
    count_queue_reads,
    drop_schema,
    event,
    fresh_schema,
    make_job,
    submit_append,
)

from armada_core.errors import Conflict
from armada_core.events import EventId
from armada_core.jobs import JobChange, JobState
from armada_core.ports import Append, Storage
from armada_core.queues import Queue
from armada_storage import StorageConfigError, open_storage

pytest.importorskip("psycopg", reason="the postgres extra (psycopg) is not installed")

import psycopg

from armada_storage.postgres import PostgresSettings, PostgresStorage, reads
from armada_storage.postgres.listener import MAX_PAYLOAD
from armada_storage.postgres.schema import SCHEMA_VERSION

pytestmark = pytest.mark.anyio
# Tests that talk to PostgreSQL carry both marks; the settings tests run everywhere.
needs_server = pytest.mark.skipif(
    not POSTGRES_DSN, reason="set ARMADA_TEST_POSTGRES_DSN to a PostgreSQL DSN to run"
)


@pytest.fixture
async def schema() -> AsyncIterator[str]:
    name = fresh_schema()
    try:
        yield name
    finally:
        await drop_schema(name)


@pytest.fixture
async def pair(schema: str) -> AsyncIterator[tuple[PostgresStorage, PostgresStorage]]:
    """Two instances on one schema, as two server processes would have."""
    first = await PostgresStorage.open(POSTGRES_DSN, schema=schema)
    second = await PostgresStorage.open(POSTGRES_DSN, schema=schema)
    try:
        yield first, second
    finally:
        await first.aclose()
        await second.aclose()


async def sql(storage: PostgresStorage, query: str, *params: Any) -> list[tuple[Any, ...]]:
    """Run one statement on one of the storage's pooled connections; its rows."""

    async def run(conn: Any) -> list[tuple[Any, ...]]:
        cursor = await conn.execute(query, params)
        rows: list[tuple[Any, ...]] = await cursor.fetchall() if cursor.description else []
        return rows

    return await storage._pool.run(run)


async def terminate(storage: PostgresStorage, pid: int) -> None:
    """Kill a server process and wait until it is gone, as an administrator or a crash would."""
    assert await sql(storage, "SELECT pg_terminate_backend(%s, 5000)", pid) == [(True,)]


async def follow_until(storage: Storage, job_set_id: str, count: int) -> list[Any]:
    """Read `count` events the way a watch stream does (follow, read, wait when empty)."""
    seen: list[Any] = []
    after: EventId | None = None
    async with storage.changes.follow("q", job_set_id) as waiter:
        while len(seen) < count:
            batch = await storage.read_events("q", job_set_id, after, 500)
            if batch:
                seen += batch
                after = batch[-1].id
            else:
                await waiter.wait()
    return seen


# --- across instances ------------------------------------------------------------------


@pytest.mark.parametrize("job_set_id", ["js", "x" * MAX_PAYLOAD])  # too long for NOTIFY
@pytest.mark.postgres
@needs_server
async def test_a_follower_sees_an_append_made_through_another_instance(
    pair: tuple[PostgresStorage, PostgresStorage], job_set_id: str
) -> None:
    a, b = pair
    async with a.changes.follow("q", job_set_id) as waiter:
        assert await a.read_events("q", job_set_id, None, 10) == []
        await b.write(at_ms=1, appends=[Append("q", job_set_id, (event("j1"),))])
        with anyio.fail_after(5):
            await waiter.wait()
        [seen] = await a.read_events("q", job_set_id, None, 10)
    assert seen.event == event("j1")


@pytest.mark.postgres
@needs_server
async def test_concurrent_writers_on_both_instances_get_increasing_ids_and_lose_nothing(
    pair: tuple[PostgresStorage, PostgresStorage],
) -> None:
    a, b = pair
    writers, appends, offsets = 6, 15, itertools.cycle([0, 3, -2, 1, -5])
    returned: dict[int, list[EventId]] = {w: [] for w in range(writers)}
    total = writers * appends * 2

    async def write(who: int) -> None:
        storage = (a, b)[who % 2]
        for n in range(appends):
            events = (event(f"{who}-{n}-0"), event(f"{who}-{n}-1"))
            at_ms = 1000 + n + next(offsets)  # clocks disagree and go back
            returned[who] += await storage.write(at_ms=at_ms, appends=[Append("q", "js", events)])

    followed: dict[str, list[Any]] = {}

    async def watch(name: str, storage: Storage) -> None:
        followed[name] = await follow_until(storage, "js", total)

    with anyio.fail_after(30):
        async with anyio.create_task_group() as tg:
            tg.start_soon(watch, "a", a)
            tg.start_soon(watch, "b", b)
            for who in range(writers):
                tg.start_soon(write, who)

    log = await a.read_events("q", "js", None, 10_000)
    ids = [e.id for e in log]
    assert len(ids) == total
    assert ids == sorted(set(ids))  # strictly increasing, no id twice
    for who, mine in returned.items():
        assert mine == sorted(set(mine))
        expected = [f"{who}-{n}-{i}" for n in range(appends) for i in range(2)]
        assert [e.event.job_id for e in log if e.event.job_id.startswith(f"{who}-")] == expected
    assert sorted(x for ids in returned.values() for x in ids) == [e.id for e in log if e.id.last]
    assert followed == {"a": log, "b": log}


@pytest.mark.postgres
@needs_server
async def test_one_of_two_instances_wins_a_change_of_the_same_job(
    pair: tuple[PostgresStorage, PostgresStorage],
) -> None:
    a, b = pair
    job = make_job()
    await a.write(at_ms=1, jobs=[job], appends=[submit_append([job])])
    outcomes: list[str] = []

    async def attempt(storage: PostgresStorage, state: JobState) -> None:
        change = JobChange(job.id, JobState.QUEUED, state, 5)
        try:
            await storage.write(at_ms=2, changes=[change])
            outcomes.append(state.name)
        except Conflict:
            outcomes.append("conflict")

    async with anyio.create_task_group() as tg:
        for i in range(8):
            tg.start_soon(attempt, (a, b)[i % 2], (JobState.LEASED, JobState.CANCELLED)[i % 2])
    winners = [o for o in outcomes if o != "conflict"]
    assert len(winners) == 1 and outcomes.count("conflict") == 7
    assert (await b.get_jobs([job.id]))[job.id].state.name == winners[0]


# --- migrations --------------------------------------------------------------------------


@pytest.mark.postgres
@needs_server
async def test_the_migration_runs_once_when_instances_open_together(
    schema: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="armada_storage.postgres.schema")
    opened: list[PostgresStorage] = []

    async def open_one() -> None:
        opened.append(await PostgresStorage.open(POSTGRES_DSN, schema=schema))

    try:
        async with anyio.create_task_group() as tg:
            for _ in range(4):
                tg.start_soon(open_one)
        assert len(opened) == 4
        migrated = [r for r in caplog.records if "schema migrated" in r.getMessage()]
        assert len(migrated) == 1
        versions = await sql(opened[0], "SELECT version FROM schema_version")
        assert versions == [(v,) for v in range(1, SCHEMA_VERSION + 1)]
        await opened[0].upsert_queue(Queue("q"))
        assert await opened[3].get_queue("q") == Queue("q")
    finally:
        for storage in opened:
            await storage.aclose()


@pytest.mark.postgres
@needs_server
async def test_a_newer_schema_is_refused(schema: str) -> None:
    storage = await PostgresStorage.open(POSTGRES_DSN, schema=schema)
    await sql(storage, "INSERT INTO schema_version (version) VALUES (%s)", SCHEMA_VERSION + 1)
    await storage.aclose()
    with pytest.raises(StorageConfigError, match="schema version"):
        await PostgresStorage.open(POSTGRES_DSN, schema=schema)


@pytest.mark.postgres
@needs_server
async def test_a_user_without_create_rights_runs_a_migrated_schema(schema: str) -> None:
    """An administrator migrated the schema; the server's own role may only read and write."""
    admin = await PostgresStorage.open(POSTGRES_DSN, schema=schema)
    role = f"{schema}_app"
    grants = [  # and no CREATE on the database (PUBLIC has none by default)
        f"CREATE ROLE {role} LOGIN",
        f"GRANT USAGE ON SCHEMA {schema} TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
    ]
    try:
        for statement in grants:
            await sql(admin, statement)
        dsn = psycopg.conninfo.make_conninfo(POSTGRES_DSN, user=role)
        app = await PostgresStorage.open(dsn, schema=schema)
        try:
            await app.upsert_queue(Queue("q"))
            job = make_job()
            await app.write(at_ms=1, jobs=[job], appends=[submit_append([job])], require_queue="q")
            assert (await admin.get_jobs([job.id]))[job.id].job == job
        finally:
            await app.aclose()
    finally:
        await admin.aclose()
        await drop_schema(schema)
        await drop_role(role)


async def drop_role(role: str) -> None:
    async with await psycopg.AsyncConnection.connect(POSTGRES_DSN, autocommit=True) as conn:
        await conn.execute(f"DROP ROLE IF EXISTS {role}")


# --- lost connections ----------------------------------------------------------------------


@pytest.mark.postgres
@needs_server
async def test_a_lost_listen_connection_wakes_every_follower_and_comes_back(
    pair: tuple[PostgresStorage, PostgresStorage],
) -> None:
    a, b = pair
    async with a.changes.follow("q", "js") as first, a.changes.follow("q", "other") as second:
        lost = a._listener.backend_pid
        await terminate(b, lost)
        with anyio.fail_after(10):
            await first.wait()  # nothing was appended: woken to re-read what it may have missed
            await second.wait()
        assert a._listener.backend_pid != lost
        await b.write(at_ms=1, appends=[Append("q", "js", (event(),))])
        with anyio.fail_after(5):
            await first.wait()  # listening again
    assert len(await a.read_events("q", "js", None, 10)) == 1


@pytest.mark.postgres
@needs_server
async def test_pooled_connections_closed_by_the_server_are_replaced(
    pair: tuple[PostgresStorage, PostgresStorage],
) -> None:
    a, b = pair
    await a.upsert_queue(Queue("q"))
    [(pid,)] = await sql(a, "SELECT pg_backend_pid()")
    await terminate(b, pid)
    assert await a.get_queue("q") == Queue("q")  # not Unavailable: a fresh connection
    [(new_pid,)] = await sql(a, "SELECT pg_backend_pid()")
    assert new_pid != pid


@pytest.mark.postgres
@needs_server
async def test_a_big_write_and_read_leave_the_event_loop_free(
    pair: tuple[PostgresStorage, PostgresStorage], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A big write is encoded paced on the loop before it takes a connection; reading
    thousands of events splits their rows on worker threads, never on the loop's."""
    storage, _ = pair
    jobs = [make_job() for _ in range(4000)]
    encoding = PacedEncoding(monkeypatch)
    await encoding.run(lambda: storage.write(at_ms=1, jobs=jobs, appends=[submit_append(jobs)]))
    encoding.check(len(jobs))
    threads: set[int] = set()
    monkeypatch.setattr(reads, "row_items", _recording(reads.row_items, threads))
    assert len(await storage.read_events("q", "js", None, 10_000)) == 8000
    assert threads, "no row was read"
    assert threading.get_ident() not in threads


def _recording(function: Any, threads: set[int]) -> Any:
    def call(*args: Any) -> Any:
        threads.add(threading.get_ident())
        return function(*args)

    return call


# --- configuration -------------------------------------------------------------------------


@pytest.mark.postgres
@needs_server
async def test_the_registry_opens_the_backend_in_the_named_schema(schema: str) -> None:
    section = {"backend": "postgres", "postgres": {"dsn": POSTGRES_DSN, "schema": schema}}
    storage = await open_storage(section)
    try:
        assert isinstance(storage, PostgresStorage)
        assert storage.settings == PostgresSettings(POSTGRES_DSN, schema)
        assert await sql(storage, "SELECT current_schema()") == [(schema,)]
    finally:
        await storage.aclose()


async def test_an_unreachable_server_is_a_config_error() -> None:
    with pytest.raises(StorageConfigError, match=r"storage\.postgres: "):
        await PostgresStorage.open("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({}, "storage.postgres.dsn is required"),
        ({"dsn": ""}, "storage.postgres.dsn is required"),
        ({"dsn": "x", "schema": ""}, "schema must not be empty"),
        ({"dsn": "x", "schema": 3}, "schema must be a string"),
        ({"dsn": "x", "pool_size": 0}, "pool_size must be 1 to 1000"),
        ({"dsn": "x", "pool_size": "two"}, "pool_size must be an integer"),
        ({"dsn": "x", "pasword": "y"}, "unknown key storage.postgres.pasword"),
    ],
)
def test_unusable_settings(section: dict[str, Any], message: str) -> None:
    with pytest.raises(StorageConfigError, match=message):
        PostgresSettings.from_mapping(section)


def test_settings_defaults() -> None:
    settings = PostgresSettings.from_mapping({"dsn": "host=db"})
    assert settings == PostgresSettings("host=db", None, 10)


# --- the queue cache across processes ------------------------------------------------------


async def eventually_queue(storage: PostgresStorage, name: str, wanted: Queue | None) -> None:
    """Wait (bounded) until `get_queue` answers `wanted`: a change by another process
    shows once its commit notification arrived."""
    with anyio.fail_after(10):
        while await storage.get_queue(name) != wanted:
            await anyio.sleep(0.01)


@pytest.mark.postgres
@needs_server
async def test_queues_are_cached_and_another_process_s_writes_are_seen(
    pair: tuple[PostgresStorage, PostgresStorage], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = pair
    await b.upsert_queue(Queue("q", 1.0))
    await eventually_queue(a, "q", Queue("q", 1.0))
    reads = count_queue_reads(a, monkeypatch)
    for _ in range(3):
        assert await a.get_queue("q") == Queue("q", 1.0)
    # b's commit notification may reach a's listener (which forgets "q") before or after
    # eventually_queue's read cached it: either way only the first of these reads the table.
    assert reads in ([], ["q"])
    await b.upsert_queue(Queue("q", 2.0))
    await eventually_queue(a, "q", Queue("q", 2.0))
    assert await b.update_queue(Queue("q", 3.0))
    await eventually_queue(a, "q", Queue("q", 3.0))
    await b.delete_queue("q")
    await eventually_queue(a, "q", None)
    await b.upsert_queue(Queue("new", 1.0))
    assert await a.get_queue("new") == Queue("new", 1.0)  # missing queues are never cached


@pytest.mark.postgres
@needs_server
async def test_a_queue_changed_while_the_listener_was_down_is_seen_after_it_is_back(
    pair: tuple[PostgresStorage, PostgresStorage],
) -> None:
    a, b = pair
    await b.upsert_queue(Queue("q", 1.0))
    assert await a.get_queue("q") == Queue("q", 1.0)
    await terminate(b, a._listener.backend_pid)
    await b.upsert_queue(Queue("q", 2.0))  # its notification may never reach `a`
    await eventually_queue(a, "q", Queue("q", 2.0))
