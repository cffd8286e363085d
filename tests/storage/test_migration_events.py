"""Migration 10 (events rows as bytes) upgrades a database of the release before it.

`fixtures/events-6696da2.db` was written by commit 6696da2
(`fixtures/make_events_6696da2.py`, schema version 9, each `events` row a JSON list):
queue `q`, job set `s1` with submitted jobs (one cancelled, one reprioritised) and job
set `s2` with an event of every kind the core writes and a 300-event entry.
`fixtures/events-6696da2.json` holds every event as that release sent it: message id,
gRPC reply bytes, REST stream line. PostgreSQL gets a schema at version 9 holding the
same rows.

After the upgrade every old event reads back and is sent as before (the same message
over gRPC, the same line over REST), and events written since are kept as bytes and
read after the old ones.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from storage_helpers import (
    POSTGRES_DSN,
    copy_fixture_rows,
    drop_schema,
    make_job,
    sqlite_rows,
    submit_append,
)
from storage_helpers import old_postgres_schema as postgres_schema_at

from armada_adapters.wire.convert.events import event_stream_bytes, event_stream_message
from armada_adapters.wire.pod_spec import ProtobufPodSpecs
from armada_adapters.wire.pool import message_class
from armada_core.events import Event, EventKind
from armada_core.ports import Append, Storage
from armada_storage.sqlite import SqliteStorage
from armada_storage.sqlite.schema import SCHEMA_VERSION

pytestmark = pytest.mark.anyio

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE = FIXTURES / "events-6696da2.db"
SENT = json.loads((FIXTURES / "events-6696da2.json").read_text())
STREAM = message_class("api.EventStreamMessage")
JOB_COLUMNS = (
    "id, queue, job_set_id, state, priority, last_transition_ns, client_id, external_job_uri,"
    " cancel_ns, cancel_reason, cancel_user, error, spec, retry, pod_spec"
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def _assert_sent_as_before(storage: Storage) -> None:
    for job_set_id, sent in SENT.items():
        read = await storage.read_events("q", job_set_id, None, 10_000)
        assert [str(e.id) for e in read] == [message_id for message_id, _, _ in sent]
        for stored, (_, grpc, rest) in zip(read, sent, strict=True):
            assert STREAM.FromString(event_stream_bytes(stored)) == STREAM.FromString(
                bytes.fromhex(grpc)
            )
            assert json.loads(json.dumps(event_stream_message(stored))) == rest


async def _assert_new_events_follow(storage: Storage) -> None:
    """Events written after the upgrade are kept as bytes and read after the old ones."""
    job = make_job(queue="q", job_set_id="s2")
    await storage.write(at_ms=2_000_000_000_000, jobs=[job], appends=[submit_append([job])])
    extra = Append("q", "s2", (Event(EventKind.CANCELLED, job.id, 5, {"reason": "later"}),))
    await storage.write(at_ms=2_000_000_000_001, appends=[extra])
    read = await storage.read_events("q", "s2", None, 10_000)
    assert len(read) == len(SENT["s2"]) + 3
    new = read[-3:]
    assert [e.event.kind for e in new] == [
        EventKind.SUBMITTED, EventKind.QUEUED, EventKind.CANCELLED,
    ]  # fmt: skip
    assert all(e.encoded is not None for e in new)
    assert new[0].event.job == job and new[0].pod_spec == ProtobufPodSpecs().encode(job.spec)
    assert new[2].event.fields == {"reason": "later"}


async def test_sqlite_file_of_the_previous_release_keeps_its_events(tmp_path: Path) -> None:
    path = tmp_path / "armada.db"
    shutil.copyfile(FIXTURE, path)
    assert sqlite_rows(path, "PRAGMA user_version") == [(9,)]
    rows = sqlite_rows(path, "SELECT data FROM events ORDER BY set_id, ms, seq, start")
    storage = await SqliteStorage.open(path)
    try:
        await _assert_sent_as_before(storage)
        # The old rows are their JSON's bytes now, in a column of bytes.
        after = sqlite_rows(path, "SELECT data FROM events ORDER BY set_id, ms, seq, start")
        assert after == [(text.encode(),) for (text,) in rows]
        await _assert_new_events_follow(storage)
    finally:
        await storage.aclose()
    assert sqlite_rows(path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    [(table,)] = sqlite_rows(path, "SELECT sql FROM sqlite_master WHERE name = 'events'")
    assert "data BLOB NOT NULL" in table and "WITHOUT ROWID" in table


@pytest.fixture
async def old_postgres_schema() -> AsyncIterator[str]:
    """A schema at version 9 holding the fixture's rows as that release wrote them."""
    if not POSTGRES_DSN:
        pytest.skip("set ARMADA_TEST_POSTGRES_DSN to a PostgreSQL DSN to run")
    pytest.importorskip("psycopg")
    name = await postgres_schema_at(9, sqlite_rows(FIXTURE, "SELECT name, data FROM queues"))
    try:
        await copy_fixture_rows(FIXTURE, name, JOB_COLUMNS)
        yield name
    finally:
        await drop_schema(name)


@pytest.mark.postgres
async def test_postgres_schema_of_the_previous_release_keeps_its_events(
    old_postgres_schema: str,
) -> None:
    from armada_storage.postgres import PostgresStorage

    storage = await PostgresStorage.open(POSTGRES_DSN, schema=old_postgres_schema)
    try:
        await _assert_sent_as_before(storage)
        await _assert_new_events_follow(storage)
    finally:
        await storage.aclose()
