"""The SQL of every read, each in its own statement (autocommit: a fresh snapshot each).

JSON is decoded with the codec of the SQLite backend, in a worker thread when there is
a lot of it. Events are read page by page of rows until `limit` events are found, so
reading a few events from a long log fetches a few rows.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from typing import Any

from armada_core.browse import GroupField, JobFilter, JobGroup, JobPage, JobQuery, build_groups
from armada_core.census import JobCount, QueuedJobs, group_queued
from armada_core.events import EventId, StoredEvent
from armada_core.executors import Executor, ExecutorSettings
from armada_core.jobs import ACTIVE_STATES, LEASED_STATES, JobRecord, JobSetActivity, JobState
from armada_core.ports import EventCodec, PodSpecCodec
from armada_core.queues import Queue
from armada_core.retry.policy import RetryPolicy
from armada_core.runs import Run
from armada_storage._browse_sql import (
    POSTGRES,
    RECORD_COLUMNS,
    group_statement,
    page_from_rows,
    page_statement,
)
from armada_storage._codec import (
    PRIORITY_CLASS_KEYS,
    REQUESTS_KEYS,
    executor_from_json,
    job_record,
    queue_from_json,
    requests_from_json,
    retry_policy_from_json,
    run_from_json,
)
from armada_storage._event_rows import (
    Item,
    StoredSpecs,
    events_after,
    row_items,
    stored_events,
    stored_job_ids,
)
from armada_storage._rows import CHUNK
from armada_storage.postgres.pool import Connection
from armada_storage.postgres.rows import off_loop

_RECORD = f"SELECT {RECORD_COLUMNS} FROM jobs"
_LEASED = [int(s) for s in LEASED_STATES]
_ACTIVE = [int(s) for s in ACTIVE_STATES]
# The row holding the first wanted event starts at or after this key, never later.
# One round trip from the job set's name: a follower's read after a wake-up is one query.
_EVENTS = """SELECT ms, seq, start, count, final, data FROM events
    WHERE set_id = (SELECT id FROM job_sets WHERE queue = %s AND job_set_id = %s)
    AND (ms, seq, start) >= (%s, %s, %s)
    ORDER BY ms, seq, start LIMIT %s"""
_PAGE_ROWS = 64  # event rows per query while reading a log

Found = list[tuple[EventId, Item]]  # events as their rows hold them (`row_items`)
Key = tuple[int, int, int]
Row = tuple[Any, ...]


async def get_queue(conn: Connection, name: str) -> Queue | None:
    cursor = await conn.execute("SELECT data FROM queues WHERE name = %s", (name,))
    row = await cursor.fetchone()
    return None if row is None else queue_from_json(row[0])


async def list_queues(conn: Connection, limit: int) -> list[Queue]:
    cursor = await conn.execute(
        "SELECT data FROM queues ORDER BY name LIMIT %s", (limit if limit > 0 else None,)
    )
    return [queue_from_json(data) for (data,) in await cursor.fetchall()]


async def get_retry_policy(conn: Connection, name: str) -> RetryPolicy | None:
    cursor = await conn.execute("SELECT data FROM retry_policies WHERE name = %s", (name,))
    row = await cursor.fetchone()
    return None if row is None else retry_policy_from_json(row[0])


async def list_retry_policies(conn: Connection) -> list[RetryPolicy]:
    cursor = await conn.execute("SELECT data FROM retry_policies ORDER BY name")
    return [retry_policy_from_json(data) for (data,) in await cursor.fetchall()]


async def find_client_ids(conn: Connection, queue: str, client_ids: list[str]) -> dict[str, str]:
    cursor = await conn.execute(
        "SELECT client_id, job_id FROM client_ids WHERE queue = %s AND client_id = ANY(%s)",
        (queue, client_ids),
    )
    return dict(await cursor.fetchall())


async def get_runs(conn: Connection, run_ids: list[str]) -> dict[str, Run]:
    cursor = await conn.execute("SELECT data, serial FROM runs WHERE id = ANY(%s)", (run_ids,))
    runs = await _runs(await cursor.fetchall())
    return {run.id: run for run in runs}


async def runs_of_jobs(conn: Connection, job_ids: list[str]) -> dict[str, list[Run]]:
    cursor = await conn.execute(
        "SELECT data, serial FROM runs WHERE job_id = ANY(%s) ORDER BY serial", (job_ids,)
    )
    found: dict[str, list[Run]] = {}
    for run in await _runs(await cursor.fetchall()):
        found.setdefault(run.job_id, []).append(run)
    return found


async def active_runs(conn: Connection, executor: str | None) -> list[Run]:
    cursor = await conn.execute(
        "SELECT data, serial FROM runs WHERE active AND (%s::text IS NULL OR executor = %s)"
        " ORDER BY serial",
        (executor, executor),
    )
    return await _runs(await cursor.fetchall())


async def _runs(rows: list[Row]) -> list[Run]:
    return await off_loop(len(rows), lambda: [run_from_json(d, n) for d, n in rows])


async def list_executors(conn: Connection) -> list[Executor]:
    cursor = await conn.execute('SELECT data FROM executors ORDER BY id COLLATE "C"')
    rows = await cursor.fetchall()
    return await off_loop(len(rows), lambda: [executor_from_json(d) for (d,) in rows])


async def list_executor_settings(conn: Connection) -> list[ExecutorSettings]:
    cursor = await conn.execute(
        "SELECT executor_id, cordoned, cordon_reason, set_by_user, set_at_ns"
        ' FROM executor_settings ORDER BY executor_id COLLATE "C"'
    )
    return [ExecutorSettings(*row) for row in await cursor.fetchall()]


async def get_jobs(
    conn: Connection, pod_specs: PodSpecCodec, job_ids: list[str]
) -> dict[str, JobRecord]:
    cursor = await conn.execute(f"{_RECORD} WHERE id = ANY(%s)", (job_ids,))
    records = await _records(await cursor.fetchall(), pod_specs)
    return {record.job.id: record for record in records}


async def jobs_in_job_set(
    conn: Connection,
    pod_specs: PodSpecCodec,
    queue: str,
    job_set_id: str,
    states: Collection[JobState],
) -> list[JobRecord]:
    cursor = await conn.execute(
        f"{_RECORD} WHERE queue = %s AND job_set_id = %s AND state = ANY(%s) ORDER BY n",
        (queue, job_set_id, _numbers(states)),
    )
    return await _records(await cursor.fetchall(), pod_specs)


async def jobs_in_queue(
    conn: Connection, pod_specs: PodSpecCodec, queue: str, states: Collection[JobState]
) -> list[JobRecord]:
    cursor = await conn.execute(
        f"{_RECORD} WHERE queue = %s AND state = ANY(%s) ORDER BY n", (queue, _numbers(states))
    )
    return await _records(await cursor.fetchall(), pod_specs)


async def jobs_by_external_uri(
    conn: Connection, pod_specs: PodSpecCodec, queue: str, job_set_id: str, uri: str
) -> list[JobRecord]:
    cursor = await conn.execute(
        f"{_RECORD} WHERE queue = %s AND job_set_id = %s AND external_job_uri = %s ORDER BY n",
        (queue, job_set_id, uri),
    )
    return await _records(await cursor.fetchall(), pod_specs)


async def job_set_activity(conn: Connection, queue: str) -> list[JobSetActivity]:
    cursor = await conn.execute(
        "SELECT job_set_id, count(*) FILTER (WHERE state = 0),"
        " count(*) FILTER (WHERE state = ANY(%s))"
        " FROM jobs WHERE queue = %s AND state = ANY(%s)"
        ' GROUP BY job_set_id ORDER BY job_set_id COLLATE "C"',
        (_LEASED, queue, _ACTIVE),
    )
    return [JobSetActivity(js, queued, leased) for js, queued, leased in await cursor.fetchall()]


async def job_counts(conn: Connection) -> list[JobCount]:
    # Queue by queue (LATERAL), so the index visits active jobs only, never finished ones.
    cursor = await conn.execute(
        "SELECT q.name, j.state, j.n FROM queues q CROSS JOIN LATERAL"
        " (SELECT state, count(*) AS n FROM jobs WHERE queue = q.name AND state = ANY(%s)"
        " GROUP BY state) j",
        (_ACTIVE,),
    )
    return [JobCount(queue, JobState(state), n) for queue, state, n in await cursor.fetchall()]


_QUEUED = (
    "SELECT q.name, j.pc, j.req, j.since FROM queues q CROSS JOIN LATERAL"
    " (SELECT spec::jsonb #>> %s AS pc, spec::jsonb #>> %s AS req, last_transition_ns AS since"
    " FROM jobs WHERE queue = q.name AND state = 0) j"
)


async def queued_jobs(conn: Connection) -> list[QueuedJobs]:
    cursor = await conn.execute(_QUEUED, (list(PRIORITY_CLASS_KEYS), list(REQUESTS_KEYS)))
    rows = [(q, pc or "", req, since) for q, pc, req, since in await cursor.fetchall()]
    return await off_loop(len(rows), group_queued, rows, requests_from_json)


async def browse_jobs(conn: Connection, pod_specs: PodSpecCodec, query: JobQuery) -> JobPage:
    sql, params = page_statement(POSTGRES, query)
    cursor = await conn.execute(sql, params)
    rows = await cursor.fetchall()
    record = functools.partial(job_record, pod_specs=pod_specs)
    return await off_loop(len(rows), page_from_rows, rows, query, record)


async def group_jobs(conn: Connection, filter: JobFilter, field: GroupField) -> list[JobGroup]:
    sql, params = group_statement(POSTGRES, filter, field)
    cursor = await conn.execute(sql, params)
    return build_groups(await cursor.fetchall(), field)


# --- events ----------------------------------------------------------------------------


async def read_events(
    conn: Connection,
    pod_specs: PodSpecCodec,
    events: EventCodec,
    queue: str,
    job_set_id: str,
    after: EventId | None,
    limit: int,
) -> list[StoredEvent]:
    if limit <= 0:
        return []
    key = (-1, -1, -1) if after is None else after.resume_key
    rows, count = await _rows_after(conn, (queue, job_set_id), key, limit)
    found = await off_loop(count, _decode, rows, key, limit)
    wanted = stored_job_ids(found)
    specs = await _specs(conn, wanted) if wanted else {}
    return await off_loop(
        len(wanted), stored_events, found, queue, job_set_id, specs, pod_specs, events
    )


async def job_set_exists(conn: Connection, queue: str, job_set_id: str) -> bool:
    cursor = await conn.execute(
        "SELECT 1 FROM job_sets WHERE queue = %s AND job_set_id = %s", (queue, job_set_id)
    )
    return await cursor.fetchone() is not None


async def _rows_after(
    conn: Connection, job_set: tuple[str, str], key: Key, limit: int
) -> tuple[list[Row], int]:
    """The rows holding the first `limit` events after `key`, and how many events that is.

    A row's `count` says how many events it holds, so rows are fetched page by page
    until enough events are found, without decoding any.
    """
    rows: list[Row] = []
    count = 0
    start_key = (key[0], key[1], key[2] // CHUNK * CHUNK)
    page_rows = min(limit + 1, _PAGE_ROWS)
    while True:
        cursor = await conn.execute(_EVENTS, (*job_set, *start_key, page_rows))
        page = await cursor.fetchall()
        for row in page:
            rows.append(row)
            count += _events_after_key(row, key)
            if count >= limit:
                return rows, limit
        if len(page) < page_rows:
            return rows, count
        ms, seq, start = page[-1][:3]
        start_key = (ms, seq, start + 1)


def _events_after_key(row: Row, key: Key) -> int:
    ms, seq, start, count = row[:4]
    if (ms, seq) != key[:2]:
        return int(count)  # a later entry: rows start at or after the key's entry
    return int(min(count, max(0, start + count - 1 - key[2])))


def _decode(rows: list[Row], key: Key, limit: int) -> Found:
    """The first `limit` events of `rows` after `key`."""
    found: Found = []
    for ms, seq, start, count, final, data in rows:
        found += events_after(ms, seq, start, count, final, row_items(data), key)
        if len(found) >= limit:
            del found[limit:]
            break
    return found


async def _specs(conn: Connection, job_ids: list[str]) -> StoredSpecs:
    cursor = await conn.execute(
        "SELECT id, spec, pod_spec FROM jobs WHERE id = ANY(%s)", (job_ids,)
    )
    rows = await cursor.fetchall()
    return {job_id: (spec, bytes(pod_spec)) for job_id, spec, pod_spec in rows}


async def _records(rows: list[Row], pod_specs: PodSpecCodec) -> list[JobRecord]:
    return await off_loop(len(rows), lambda: [job_record(row, pod_specs) for row in rows])


def _numbers(states: Collection[JobState]) -> list[int]:
    return sorted({int(s) for s in states})
