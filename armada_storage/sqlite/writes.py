"""The SQL of every write, run on the writer thread inside a unit's SAVEPOINT.

A job write arrives encoded (`armada_storage._rows`): the writer runs SQL only, and
`sqlite3` lets go of the GIL while a statement runs, so the event loop keeps going.

A failure raises (`NotFound`, `Conflict`, `ValueError`) and the group committer rolls
the unit back to its savepoint, so nothing of it stays. The UPDATE of a job change
mirrors `armada_storage._rules.apply_change`, which the memory backend uses.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Sequence
from itertools import chain
from typing import Any

from armada_core.errors import ClientIdsTaken, Conflict, NotFound
from armada_core.events import EventId
from armada_core.executors import Executor, ExecutorSettings
from armada_core.jobs import ACTIVE_STATES, JobChange, JobState
from armada_core.ports import Append, DeleteOutcome
from armada_core.queues import Queue
from armada_core.retry.policy import RetryPoliciesMissing, RetryPolicy
from armada_storage._codec import (
    executor_to_json,
    queue_from_json,
    queue_to_json,
    retry_policy_to_json,
    retry_to_json,
)
from armada_storage._rows import JOB_COLUMNS, Chunk, EncodedWrite
from armada_storage._rules import detach, next_entry, policy_mention
from armada_storage.sqlite import multirow
from armada_storage.sqlite.reads import find_client_ids

_ACTIVE = ",".join(str(int(s)) for s in ACTIVE_STATES)

_INSERT_JOBS = f"INSERT INTO jobs ({', '.join(JOB_COLUMNS)}) VALUES "
_INSERT_EVENTS = "INSERT INTO events VALUES "

# A change's effect, written once for a single row (`?1`...) and for many (`c.state`...).
# Right-hand sides see the row before the update, so `state = {state}` compares the old state.
_CHANGE_SET = f"""last_transition_ns = CASE WHEN jobs.state = {{state}}
                         THEN jobs.last_transition_ns ELSE {{at_ns}} END,
    state = {{state}},
    priority = COALESCE({{priority}}, jobs.priority),
    cancel_ns = CASE WHEN {{cancel_given}}
                          OR ({{state}} = {int(JobState.CANCELLED)} AND jobs.cancel_ns = 0)
                THEN {{at_ns}} ELSE jobs.cancel_ns END,
    cancel_reason = COALESCE({{reason}}, jobs.cancel_reason),
    cancel_user = COALESCE({{username}}, jobs.cancel_user),
    error = COALESCE({{error}}, jobs.error),
    retry = COALESCE({{retry}}, jobs.retry)"""
_CHANGE_COLUMNS = (
    "state", "at_ns", "priority", "cancel_given", "reason", "username", "error", "retry"
)  # fmt: skip
_ROW_COLUMNS = len(_CHANGE_COLUMNS) + 2  # then the job's id and its expected state
_CHANGE_JOB = (
    "UPDATE jobs SET "
    + _CHANGE_SET.format(**{c: f"?{n}" for n, c in enumerate(_CHANGE_COLUMNS, 1)})
    + " WHERE id = ?9 AND state = ?10"
)


@functools.cache
def _change_jobs_sql(rows: int) -> str:
    """`rows` changes in one statement (each row: the single-row parameters in order)."""
    names = ", ".join((*_CHANGE_COLUMNS, "id", "expected"))
    return (
        f"WITH c({names}) AS (VALUES {multirow.values(_ROW_COLUMNS, rows)}) UPDATE jobs SET "
        + _CHANGE_SET.format(**{c: f"c.{c}" for c in _CHANGE_COLUMNS})
        + " FROM c WHERE jobs.id = c.id AND jobs.state = c.expected"
    )


_UPSERT_RUN = """INSERT INTO runs (id, job_id, executor, active, data) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET executor = excluded.executor, active = excluded.active,
    data = excluded.data"""


def upsert_executor(conn: sqlite3.Connection, executor: Executor) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO executors VALUES (?, ?)", (executor.id, executor_to_json(executor))
    )


def delete_executor(conn: sqlite3.Connection, executor_id: str) -> None:
    conn.execute("DELETE FROM executors WHERE id = ?", (executor_id,))


def upsert_executor_settings(conn: sqlite3.Connection, settings: ExecutorSettings) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO executor_settings VALUES (?, ?, ?, ?, ?)",
        (
            settings.executor_id,
            int(settings.cordoned),
            settings.cordon_reason,
            settings.set_by_user,
            settings.set_at_ns,
        ),
    )


def delete_executor_settings(conn: sqlite3.Connection, executor_id: str) -> None:
    conn.execute("DELETE FROM executor_settings WHERE executor_id = ?", (executor_id,))


def upsert_queue(conn: sqlite3.Connection, queue: Queue) -> None:
    _check_policies(conn, queue)
    conn.execute("INSERT OR REPLACE INTO queues VALUES (?, ?)", (queue.name, queue_to_json(queue)))


def update_queue(conn: sqlite3.Connection, queue: Queue) -> bool:
    if not _queue_exists(conn, queue.name):
        return False
    _check_policies(conn, queue)
    conn.execute("UPDATE queues SET data = ? WHERE name = ?", (queue_to_json(queue), queue.name))
    return True


def _check_policies(conn: sqlite3.Connection, queue: Queue) -> None:
    query = "SELECT 1 FROM retry_policies WHERE name = ?"
    missing = [p for p in queue.retry_policies if conn.execute(query, (p,)).fetchone() is None]
    if missing:
        raise RetryPoliciesMissing(missing)


def upsert_retry_policy(conn: sqlite3.Connection, policy: RetryPolicy) -> None:
    data = retry_policy_to_json(policy)
    conn.execute("INSERT OR REPLACE INTO retry_policies VALUES (?, ?)", (policy.name, data))


def update_retry_policy(conn: sqlite3.Connection, policy: RetryPolicy) -> bool:
    data = retry_policy_to_json(policy)
    cursor = conn.execute("UPDATE retry_policies SET data = ? WHERE name = ?", (data, policy.name))
    return cursor.rowcount == 1


def delete_retry_policy(conn: sqlite3.Connection, name: str) -> list[str]:
    rows = conn.execute(
        "SELECT data FROM queues WHERE instr(data, ?) > 0 ORDER BY name", (policy_mention(name),)
    ).fetchall()
    naming = [q for q in (queue_from_json(data) for (data,) in rows) if name in q.retry_policies]
    for queue in naming:
        data = queue_to_json(detach(queue, name))
        conn.execute("UPDATE queues SET data = ? WHERE name = ?", (data, queue.name))
    conn.execute("DELETE FROM retry_policies WHERE name = ?", (name,))
    return [q.name for q in naming]


def delete_queue(conn: sqlite3.Connection, name: str) -> DeleteOutcome:
    if not _queue_exists(conn, name):
        return DeleteOutcome.MISSING
    active = conn.execute(
        f"SELECT 1 FROM jobs WHERE queue = ? AND state IN ({_ACTIVE}) LIMIT 1", (name,)
    ).fetchone()
    if active is not None:
        return DeleteOutcome.HAS_ACTIVE_JOBS
    conn.execute("DELETE FROM queues WHERE name = ?", (name,))
    return DeleteOutcome.DELETED


def write(conn: sqlite3.Connection, unit: EncodedWrite) -> list[EventId]:
    """One `Storage.write` unit, encoded beforehand; its ids, one per append."""
    if unit.require_queue is not None and not _queue_exists(conn, unit.require_queue):
        raise NotFound(f"queue {unit.require_queue} does not exist")
    if unit.job_rows:
        _record_client_ids(conn, unit.client_ids)
        _insert_jobs(conn, unit.job_rows)
    if unit.changes:
        _apply_changes(conn, unit.changes)
    if unit.run_rows:
        conn.executemany(_UPSERT_RUN, unit.run_rows)
    return [
        _append(conn, append, chunks, unit.at_ms)
        for append, chunks in zip(unit.appends, unit.chunks, strict=True)
    ]


def _queue_exists(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM queues WHERE name = ?", (name,)).fetchone() is not None


def _insert_jobs(conn: sqlite3.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    try:
        multirow.insert_rows(conn, _INSERT_JOBS, rows, len(JOB_COLUMNS))
    except sqlite3.IntegrityError:
        raise Conflict(f"job {_taken_id(conn, [row[0] for row in rows])} exists already") from None


def _record_client_ids(conn: sqlite3.Connection, keys: dict[tuple[str, str], str]) -> None:
    """Record the jobs' client ids, or raise `ClientIdsTaken` if any is recorded already.

    The writer connection is the file's only writer, so nothing can record a key
    between this SELECT and the INSERT.
    """
    if not keys:
        return
    by_queue: dict[str, list[str]] = {}
    for queue, client_id in keys:
        by_queue.setdefault(queue, []).append(client_id)
    taken = {
        (queue, client_id): job_id
        for queue, client_ids in by_queue.items()
        for client_id, job_id in find_client_ids(conn, queue, client_ids).items()
    }
    if taken:
        raise ClientIdsTaken(taken)
    conn.executemany(
        "INSERT INTO client_ids VALUES (?, ?, ?)", [(q, c, j) for (q, c), j in keys.items()]
    )


def _taken_id(conn: sqlite3.Connection, job_ids: Sequence[str]) -> str:
    """The id that made the insert fail (rare path: the unit is rolled back anyway)."""
    seen: set[str] = set()
    for job_id in job_ids:
        if job_id in seen:
            return job_id
        seen.add(job_id)
    query = "SELECT 1 FROM jobs WHERE id = ?"
    return next((j for j in job_ids if conn.execute(query, (j,)).fetchone()), "?")


def _apply_changes(conn: sqlite3.Connection, changes: Sequence[JobChange]) -> None:
    rows = [_change_row(change) for change in changes]
    conn.execute("SAVEPOINT changes")
    changed = 0
    for start, size in multirow.slices(len(rows), _ROW_COLUMNS):
        params = list(chain.from_iterable(rows[start : start + size]))
        changed += conn.execute(_change_jobs_sql(size), params).rowcount
    if changed != len(rows):
        # A change found its job elsewhere, or one job changes twice in this unit (the
        # statement applies one of them): replay in order, one by one, to tell.
        conn.execute("ROLLBACK TO changes")
        for change, row in zip(changes, rows, strict=True):
            if conn.execute(_CHANGE_JOB, row).rowcount != 1:
                raise Conflict(f"job {change.job_id} is no longer {change.expected.name}")
    conn.execute("RELEASE changes")


def _change_row(change: JobChange) -> tuple[Any, ...]:
    cancel_given = change.cancel_reason is not None or change.cancel_user is not None
    return (
        int(change.state),
        change.at_ns,
        change.priority,
        cancel_given,
        change.cancel_reason,
        change.cancel_user,
        change.error,
        retry_to_json(change.retry),
        change.job_id,
        int(change.expected),
    )


def _append(conn: sqlite3.Connection, append: Append, chunks: list[Chunk], at_ms: int) -> EventId:
    set_id, ms, seq = _next_entry(conn, append.queue, append.job_set_id, at_ms)
    rows = [(set_id, ms, seq, c.start, c.count, c.final, c.data) for c in chunks]
    multirow.insert_rows(conn, _INSERT_EVENTS, rows, 7)
    return EventId(ms, seq, len(append.events) - 1, True)


def _next_entry(
    conn: sqlite3.Connection, queue: str, job_set_id: str, at_ms: int
) -> tuple[int, int, int]:
    """`(set_id, ms, seq)` of the job set's next entry, recorded as its last."""
    row = conn.execute(
        "SELECT id, last_ms, last_seq FROM job_sets WHERE queue = ? AND job_set_id = ?",
        (queue, job_set_id),
    ).fetchone()
    if row is None:
        ms, seq = next_entry(None, at_ms)
        cursor = conn.execute(
            "INSERT INTO job_sets (queue, job_set_id, last_ms, last_seq) VALUES (?, ?, ?, ?)",
            (queue, job_set_id, ms, seq),
        )
        return int(cursor.lastrowid or 0), ms, seq
    ms, seq = next_entry((row[1], row[2]), at_ms)
    conn.execute("UPDATE job_sets SET last_ms = ?, last_seq = ? WHERE id = ?", (ms, seq, row[0]))
    return row[0], ms, seq
