"""The SQL of every read, run on a reader thread with its own connection.

Each function reads everything it returns before it returns (no open cursors, so no
long-lived snapshot holds back WAL checkpoints) and decodes JSON there, off the loop.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterator, Sequence

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
    RECORD_COLUMNS,
    SQLITE,
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

_CHUNK = 500  # ids per IN (...) list, well below SQLite's variable limit
_RECORD = f"SELECT {RECORD_COLUMNS} FROM jobs"
_LEASED = ",".join(str(int(s)) for s in LEASED_STATES)
_ACTIVE = ",".join(str(int(s)) for s in ACTIVE_STATES)
# The chunk holding the first wanted event starts at or after this key, never later.
_EVENTS = (
    "SELECT ms, seq, start, count, final, data FROM events"
    " WHERE set_id = ? AND (ms, seq, start) >= (?, ?, ?) ORDER BY ms, seq, start"
)


def get_queue(conn: sqlite3.Connection, name: str) -> Queue | None:
    row = conn.execute("SELECT data FROM queues WHERE name = ?", (name,)).fetchone()
    return None if row is None else queue_from_json(row[0])


def list_queues(conn: sqlite3.Connection, limit: int) -> list[Queue]:
    rows = conn.execute(
        "SELECT data FROM queues ORDER BY name LIMIT ?", (limit if limit > 0 else -1,)
    ).fetchall()
    return [queue_from_json(data) for (data,) in rows]


def get_retry_policy(conn: sqlite3.Connection, name: str) -> RetryPolicy | None:
    row = conn.execute("SELECT data FROM retry_policies WHERE name = ?", (name,)).fetchone()
    return None if row is None else retry_policy_from_json(row[0])


def list_retry_policies(conn: sqlite3.Connection) -> list[RetryPolicy]:
    rows = conn.execute("SELECT data FROM retry_policies ORDER BY name").fetchall()
    return [retry_policy_from_json(data) for (data,) in rows]


def find_client_ids(
    conn: sqlite3.Connection, queue: str, client_ids: Collection[str]
) -> dict[str, str]:
    found: dict[str, str] = {}
    for chunk in _chunks(list(client_ids)):
        found.update(
            conn.execute(
                "SELECT client_id, job_id FROM client_ids"
                f" WHERE queue = ? AND client_id IN ({_marks(chunk)})",
                (queue, *chunk),
            ).fetchall()
        )
    return found


def get_jobs(
    conn: sqlite3.Connection, pod_specs: PodSpecCodec, job_ids: Collection[str]
) -> dict[str, JobRecord]:
    records: dict[str, JobRecord] = {}
    for chunk in _chunks(list(job_ids)):
        rows = conn.execute(f"{_RECORD} WHERE id IN ({_marks(chunk)})", chunk).fetchall()
        records.update((r.job.id, r) for r in (job_record(row, pod_specs) for row in rows))
    return records


def jobs_in_job_set(
    conn: sqlite3.Connection,
    pod_specs: PodSpecCodec,
    queue: str,
    job_set_id: str,
    states: Collection[JobState],
) -> list[JobRecord]:
    if not states:
        return []
    rows = conn.execute(
        f"{_RECORD} WHERE queue = ? AND job_set_id = ? AND state IN ({_states(states)}) ORDER BY n",
        (queue, job_set_id),
    ).fetchall()
    return [job_record(row, pod_specs) for row in rows]


def jobs_in_queue(
    conn: sqlite3.Connection, pod_specs: PodSpecCodec, queue: str, states: Collection[JobState]
) -> list[JobRecord]:
    if not states:
        return []
    rows = conn.execute(
        f"{_RECORD} WHERE queue = ? AND state IN ({_states(states)}) ORDER BY n", (queue,)
    ).fetchall()
    return [job_record(row, pod_specs) for row in rows]


def jobs_by_external_uri(
    conn: sqlite3.Connection, pod_specs: PodSpecCodec, queue: str, job_set_id: str, uri: str
) -> list[JobRecord]:
    rows = conn.execute(
        f"{_RECORD} WHERE queue = ? AND job_set_id = ? AND external_job_uri = ? ORDER BY n",
        (queue, job_set_id, uri),
    ).fetchall()
    return [job_record(row, pod_specs) for row in rows]


def job_set_activity(conn: sqlite3.Connection, queue: str) -> list[JobSetActivity]:
    # The planner would pick jobs_by_job_set for the grouping and walk every finished
    # job of the queue too; jobs_by_queue visits the active ones only.
    rows = conn.execute(
        f"SELECT job_set_id, SUM(state = 0), SUM(state IN ({_LEASED}))"
        f" FROM jobs INDEXED BY jobs_by_queue WHERE queue = ? AND state IN ({_ACTIVE})"
        " GROUP BY job_set_id ORDER BY job_set_id",
        (queue,),
    ).fetchall()
    return [JobSetActivity(js, queued, leased) for js, queued, leased in rows]


def job_counts(conn: sqlite3.Connection) -> list[JobCount]:
    # Queue by queue, so the index visits active jobs only, never the finished ones.
    counts: list[JobCount] = []
    for (queue,) in conn.execute("SELECT name FROM queues").fetchall():
        rows = conn.execute(
            "SELECT state, count(*) FROM jobs INDEXED BY jobs_by_queue"
            f" WHERE queue = ? AND state IN ({_ACTIVE}) GROUP BY state",
            (queue,),
        ).fetchall()
        counts += [JobCount(queue, JobState(state), n) for state, n in rows]
    return counts


def queued_jobs(conn: sqlite3.Connection) -> list[QueuedJobs]:
    rows: list[tuple[str, str, str | None, int]] = []
    for (queue,) in conn.execute("SELECT name FROM queues").fetchall():
        rows += (
            (queue, priority_class or "", requests, since)
            for priority_class, requests, since in conn.execute(_QUEUED, (queue,))
        )
    return group_queued(rows, requests_from_json)


def _json_path(keys: Sequence[str]) -> str:
    return "$" + "".join(f"[{k}]" if k.isdigit() else f".{k}" for k in keys)


_QUEUED = (
    f"SELECT json_extract(spec, '{_json_path(PRIORITY_CLASS_KEYS)}'),"
    f" json_extract(spec, '{_json_path(REQUESTS_KEYS)}'), last_transition_ns"
    " FROM jobs INDEXED BY jobs_by_queue WHERE queue = ? AND state = 0"
)


def browse_jobs(conn: sqlite3.Connection, pod_specs: PodSpecCodec, query: JobQuery) -> JobPage:
    sql, params = page_statement(SQLITE, query)
    rows = conn.execute(sql, params).fetchall()
    return page_from_rows(rows, query, lambda row: job_record(row, pod_specs))


def group_jobs(conn: sqlite3.Connection, filter: JobFilter, field: GroupField) -> list[JobGroup]:
    sql, params = group_statement(SQLITE, filter, field)
    return build_groups(conn.execute(sql, params).fetchall(), field)


def read_events(
    conn: sqlite3.Connection,
    pod_specs: PodSpecCodec,
    events: EventCodec,
    queue: str,
    job_set_id: str,
    after: EventId | None,
    limit: int,
) -> list[StoredEvent]:
    row = conn.execute(
        "SELECT id FROM job_sets WHERE queue = ? AND job_set_id = ?", (queue, job_set_id)
    ).fetchone()
    if row is None or limit <= 0:
        return []
    key = (-1, -1, -1) if after is None else after.resume_key
    found = _events_after(conn, row[0], key, limit)
    wanted = stored_job_ids(found)
    specs = _specs(conn, wanted) if wanted else {}
    return stored_events(found, queue, job_set_id, specs, pod_specs, events)


def _events_after(
    conn: sqlite3.Connection, set_id: int, key: tuple[int, int, int], limit: int
) -> list[tuple[EventId, Item]]:
    """Up to `limit` events after `key` as their stored lists, decoding only the chunks
    it needs."""
    cursor = conn.execute(_EVENTS, (set_id, key[0], key[1], key[2] // CHUNK * CHUNK))
    found: list[tuple[EventId, Item]] = []
    try:
        for ms, seq, start, count, final, data in cursor:
            found += events_after(ms, seq, start, count, final, row_items(data), key)
            if len(found) >= limit:
                del found[limit:]
                break
    finally:
        cursor.close()
    return found


def job_set_exists(conn: sqlite3.Connection, queue: str, job_set_id: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM job_sets WHERE queue = ? AND job_set_id = ?", (queue, job_set_id)
    ).fetchone()
    return row is not None


def _specs(conn: sqlite3.Connection, job_ids: list[str]) -> StoredSpecs:
    """The stored `spec` and `pod_spec` of these jobs, by id."""
    specs: StoredSpecs = {}
    for chunk in _chunks(job_ids):
        rows = conn.execute(
            f"SELECT id, spec, pod_spec FROM jobs WHERE id IN ({_marks(chunk)})", chunk
        )
        specs.update((job_id, (spec, pod_spec)) for job_id, spec, pod_spec in rows)
    return specs


def get_runs(conn: sqlite3.Connection, run_ids: Collection[str]) -> dict[str, Run]:
    found: dict[str, Run] = {}
    for chunk in _chunks(list(run_ids)):
        rows = conn.execute(
            f"SELECT data, serial FROM runs WHERE id IN ({_marks(chunk)})", chunk
        ).fetchall()
        found.update((r.id, r) for r in (run_from_json(d, n) for d, n in rows))
    return found


def runs_of_jobs(conn: sqlite3.Connection, job_ids: Collection[str]) -> dict[str, list[Run]]:
    found: dict[str, list[Run]] = {}
    for chunk in _chunks(list(job_ids)):
        rows = conn.execute(
            f"SELECT data, serial FROM runs WHERE job_id IN ({_marks(chunk)}) ORDER BY serial",
            chunk,
        ).fetchall()
        for data, serial in rows:
            run = run_from_json(data, serial)
            found.setdefault(run.job_id, []).append(run)
    return found


def active_runs(conn: sqlite3.Connection, executor: str | None) -> list[Run]:
    if executor is None:
        rows = conn.execute("SELECT data, serial FROM runs WHERE active ORDER BY serial")
    else:
        rows = conn.execute(
            "SELECT data, serial FROM runs WHERE active AND executor = ? ORDER BY serial",
            (executor,),
        )
    return [run_from_json(data, serial) for data, serial in rows.fetchall()]


def list_executors(conn: sqlite3.Connection) -> list[Executor]:
    rows = conn.execute("SELECT data FROM executors ORDER BY id").fetchall()
    return [executor_from_json(data) for (data,) in rows]


def list_executor_settings(conn: sqlite3.Connection) -> list[ExecutorSettings]:
    rows = conn.execute("SELECT * FROM executor_settings ORDER BY executor_id").fetchall()
    return [
        ExecutorSettings(executor_id, bool(cordoned), reason, user, at_ns)
        for executor_id, cordoned, reason, user, at_ns in rows
    ]


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _marks(chunk: Sequence[object]) -> str:
    return ",".join("?" * len(chunk))


def _states(states: Collection[JobState]) -> str:
    # Integers from an IntEnum, inlined: safe, and lets SQLite plan with the index.
    return ",".join(str(int(s)) for s in frozenset(states))
