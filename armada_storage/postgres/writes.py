"""The SQL of every write; `write` runs one `Storage.write` unit in one transaction.

Concurrency across processes comes from row locks, always taken in the same order
(the queue row, then client id keys, then job rows by id, then job set rows by name),
so writers never deadlock one another:
- `require_queue` reads the queue row `FOR SHARE`: a concurrent delete waits, or wins.
- client ids are inserted first, sorted, `ON CONFLICT DO NOTHING`: a writer racing
  for a key waits on the unique index until the other commits (or rolls back). A key
  not inserted is taken: its job id is read back (READ COMMITTED: a new snapshot
  sees the winner) and `ClientIdsTaken` rolls the whole write back.
- changes first lock their jobs `FOR UPDATE` and check the expected states in Python,
  in order (a write may move one job twice); any mismatch raises `Conflict` and the
  transaction rolls back. The UPDATE mirrors `armada_storage._rules.apply_change`.
- entry ids come from an upsert of the job set rows that computes the next `(ms, seq)`
  from the stored last one under the row lock, so concurrent writers in several
  processes never hand out equal or decreasing ids.
- `NOTIFY` is sent inside the transaction: PostgreSQL delivers it on commit only.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

import psycopg
import psycopg.errors

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
from armada_storage._rows import JOB_COLUMNS, EncodedWrite
from armada_storage._rules import detach, policy_mention
from armada_storage.postgres.listener import CHANNEL, QUEUES_CHANNEL, payload
from armada_storage.postgres.pool import Connection

_ACTIVE = [int(s) for s in ACTIVE_STATES]
_COPY_JOBS = f"COPY jobs ({', '.join(JOB_COLUMNS)}) FROM STDIN"
# Usually one row per append: a plain INSERT costs one round trip where COPY costs two.
_INSERT_EVENTS = "INSERT INTO events VALUES (%s, %s, %s, %s, %s, %s, %s)"
_INSERT_CLIENT_IDS = """INSERT INTO client_ids
    SELECT * FROM unnest(%s::text[], %s::text[], %s::text[]) AS k(q, c, j)
    ORDER BY q COLLATE "C", c COLLATE "C"
    ON CONFLICT DO NOTHING RETURNING queue, client_id"""
_TAKEN_CLIENT_IDS = """SELECT queue, client_id, job_id FROM client_ids
    WHERE (queue, client_id) IN (SELECT * FROM unnest(%s::text[], %s::text[]))"""
_LOCK_JOBS = "SELECT id, state FROM jobs WHERE id = ANY(%s) ORDER BY id FOR UPDATE"
# `j` is the row before the update, so `j.state = c.state` compares with the old state.
_CHANGE_JOBS = f"""UPDATE jobs AS j SET
    last_transition_ns = CASE WHEN j.state = c.state THEN j.last_transition_ns ELSE c.at_ns END,
    state = c.state,
    priority = COALESCE(c.priority, j.priority),
    cancel_ns = CASE WHEN c.cancel_given
                          OR (c.state = {int(JobState.CANCELLED)} AND j.cancel_ns = 0)
                THEN c.at_ns ELSE j.cancel_ns END,
    cancel_reason = COALESCE(c.reason, j.cancel_reason),
    cancel_user = COALESCE(c.username, j.cancel_user),
    error = COALESCE(c.error, j.error),
    retry = COALESCE(c.retry, j.retry)
    FROM unnest(%s::text[], %s::smallint[], %s::smallint[], %s::bigint[], %s::bigint[],
                %s::boolean[], %s::text[], %s::text[], %s::text[], %s::text[])
         AS c(id, expected, state, at_ns, priority, cancel_given, reason, username, error, retry)
    WHERE j.id = c.id AND j.state = c.expected"""
# One row per job set (sorted, so locks come in one order); `k` entries each.
# Mirrors `_rules.next_entry`: a later clock starts a new ms at seq 0, else seq goes on.
_NEXT_ENTRIES = """INSERT INTO job_sets (queue, job_set_id, last_ms, last_seq)
    SELECT q, js, %s, k - 1 FROM unnest(%s::text[], %s::text[], %s::bigint[]) AS a(q, js, k)
    ORDER BY q COLLATE "C", js COLLATE "C"
    ON CONFLICT (queue, job_set_id) DO UPDATE SET
        last_seq = CASE WHEN excluded.last_ms > job_sets.last_ms THEN excluded.last_seq
                   ELSE job_sets.last_seq + excluded.last_seq + 1 END,
        last_ms = GREATEST(job_sets.last_ms, excluded.last_ms)
    RETURNING queue, job_set_id, id, last_ms, last_seq"""
# Runs are guarded by their jobs' changes (locked above), so a plain upsert is safe.
_UPSERT_RUNS = """INSERT INTO runs (id, job_id, executor, active, data)
    SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::boolean[], %s::text[])
    ON CONFLICT (id) DO UPDATE SET executor = excluded.executor, active = excluded.active,
        data = excluded.data"""
_NOTIFY = "SELECT pg_notify(%s, p) FROM unnest(%s::text[]) AS p"
_TAKEN = re.compile(r"\(id\)=\((.*)\) already exists")

JobSetKey = tuple[str, str]


async def upsert_executor(conn: Connection, executor: Executor) -> None:
    await conn.execute(
        "INSERT INTO executors VALUES (%s, %s) ON CONFLICT (id) DO UPDATE SET data = excluded.data",
        (executor.id, executor_to_json(executor)),
    )


async def delete_executor(conn: Connection, executor_id: str) -> None:
    await conn.execute("DELETE FROM executors WHERE id = %s", (executor_id,))


async def upsert_executor_settings(conn: Connection, settings: ExecutorSettings) -> None:
    await conn.execute(
        "INSERT INTO executor_settings VALUES (%s, %s, %s, %s, %s) ON CONFLICT (executor_id)"
        " DO UPDATE SET cordoned = excluded.cordoned, cordon_reason = excluded.cordon_reason,"
        " set_by_user = excluded.set_by_user, set_at_ns = excluded.set_at_ns",
        (
            settings.executor_id,
            settings.cordoned,
            settings.cordon_reason,
            settings.set_by_user,
            settings.set_at_ns,
        ),
    )


async def delete_executor_settings(conn: Connection, executor_id: str) -> None:
    await conn.execute("DELETE FROM executor_settings WHERE executor_id = %s", (executor_id,))


async def upsert_queue(conn: Connection, queue: Queue) -> None:
    async with conn.transaction():
        await _check_policies(conn, queue)
        await conn.execute(
            "INSERT INTO queues VALUES (%s, %s)"
            " ON CONFLICT (name) DO UPDATE SET data = excluded.data",
            (queue.name, queue_to_json(queue)),
        )
        await _queues_changed(conn)


async def update_queue(conn: Connection, queue: Queue) -> bool:
    async with conn.transaction():
        await _check_policies(conn, queue)
        cursor = await conn.execute(
            "UPDATE queues SET data = %s WHERE name = %s", (queue_to_json(queue), queue.name)
        )
        await _queues_changed(conn)
        return cursor.rowcount == 1


async def _queues_changed(conn: Connection) -> None:
    """Tell every process, on commit, to forget the queues it cached (see `listener`)."""
    await conn.execute(f"NOTIFY {QUEUES_CHANNEL}")


async def _check_policies(conn: Connection, queue: Queue) -> None:
    """Every named policy exists, and stays until commit (a delete waits for the lock)."""
    if not queue.retry_policies:
        return
    cursor = await conn.execute(
        "SELECT name FROM retry_policies WHERE name = ANY(%s) ORDER BY name FOR SHARE",
        (list(queue.retry_policies),),
    )
    found = {name for (name,) in await cursor.fetchall()}
    missing = [p for p in queue.retry_policies if p not in found]
    if missing:
        raise RetryPoliciesMissing(missing)


async def upsert_retry_policy(conn: Connection, policy: RetryPolicy) -> None:
    await conn.execute(
        "INSERT INTO retry_policies VALUES (%s, %s)"
        " ON CONFLICT (name) DO UPDATE SET data = excluded.data",
        (policy.name, retry_policy_to_json(policy)),
    )


async def update_retry_policy(conn: Connection, policy: RetryPolicy) -> bool:
    cursor = await conn.execute(
        "UPDATE retry_policies SET data = %s WHERE name = %s",
        (retry_policy_to_json(policy), policy.name),
    )
    return cursor.rowcount == 1


async def delete_retry_policy(conn: Connection, name: str) -> list[str]:
    """Under the policy's row lock: a queue write naming it waits, then finds it gone."""
    async with conn.transaction():
        await conn.execute("DELETE FROM retry_policies WHERE name = %s", (name,))
        cursor = await conn.execute(
            "SELECT data FROM queues WHERE strpos(data, %s) > 0 ORDER BY name FOR UPDATE",
            (policy_mention(name),),
        )
        queues = [queue_from_json(data) for (data,) in await cursor.fetchall()]
        naming = [q for q in queues if name in q.retry_policies]
        for queue in naming:
            await conn.execute(
                "UPDATE queues SET data = %s WHERE name = %s",
                (queue_to_json(detach(queue, name)), queue.name),
            )
        if naming:
            await _queues_changed(conn)
        return [q.name for q in naming]


async def delete_queue(conn: Connection, name: str) -> DeleteOutcome:
    """Under the queue row's lock: a concurrent submit requiring it waits for the outcome."""
    async with conn.transaction():
        cursor = await conn.execute("SELECT 1 FROM queues WHERE name = %s FOR UPDATE", (name,))
        if await cursor.fetchone() is None:
            return DeleteOutcome.MISSING
        cursor = await conn.execute(
            "SELECT 1 FROM jobs WHERE queue = %s AND state = ANY(%s) LIMIT 1", (name, _ACTIVE)
        )
        if await cursor.fetchone() is not None:
            return DeleteOutcome.HAS_ACTIVE_JOBS
        await conn.execute("DELETE FROM queues WHERE name = %s", (name,))
        await _queues_changed(conn)
        return DeleteOutcome.DELETED


async def write(conn: Connection, unit: EncodedWrite) -> list[EventId]:
    """One `Storage.write` unit in one transaction; its ids, one per append."""
    async with conn.transaction():
        if unit.require_queue is not None:
            await _require_queue(conn, unit.require_queue)
        if unit.client_ids:
            await _record_client_ids(conn, unit.client_ids)
        if unit.job_rows:
            await _insert_jobs(conn, unit.job_rows)
        if unit.changes:
            await _apply_changes(conn, unit.changes)
        if unit.run_rows:
            await conn.execute(_UPSERT_RUNS, tuple(map(list, zip(*unit.run_rows, strict=True))))
        if not unit.appends:
            return []
        ids = await _append(conn, unit)
        keys = dict.fromkeys((a.queue, a.job_set_id) for a in unit.appends)
        await conn.execute(_NOTIFY, (CHANNEL, [payload(*key) for key in keys]))
        return ids


async def _require_queue(conn: Connection, name: str) -> None:
    cursor = await conn.execute("SELECT 1 FROM queues WHERE name = %s FOR SHARE", (name,))
    if await cursor.fetchone() is None:
        raise NotFound(f"queue {name} does not exist")


# --- jobs ------------------------------------------------------------------------------


async def _record_client_ids(conn: Connection, keys: dict[tuple[str, str], str]) -> None:
    """Record the client ids, or raise `ClientIdsTaken` if another write has any."""
    columns = [[q for q, _ in keys], [c for _, c in keys], list(keys.values())]
    cursor = await conn.execute(_INSERT_CLIENT_IDS, columns)
    missing = keys.keys() - {(q, c) for q, c in await cursor.fetchall()}
    if not missing:
        return
    cursor = await conn.execute(
        _TAKEN_CLIENT_IDS, ([q for q, _ in missing], [c for _, c in missing])
    )
    raise ClientIdsTaken({(q, c): job_id for q, c, job_id in await cursor.fetchall()})


async def _insert_jobs(conn: Connection, rows: list[tuple[Any, ...]]) -> None:
    """COPY: for a hundred jobs, several times faster than INSERTs (measured)."""
    twice = next((job_id for job_id, n in Counter(r[0] for r in rows).items() if n > 1), None)
    if twice is not None:
        raise Conflict(f"job {twice} exists already")
    try:
        async with conn.cursor().copy(_COPY_JOBS) as copy:
            for row in rows:
                await copy.write_row(row)
    except psycopg.errors.UniqueViolation as exc:
        found = _TAKEN.search(exc.diag.message_detail or "")
        raise Conflict(f"job {found[1] if found else '?'} exists already") from None


# --- changes ---------------------------------------------------------------------------


async def _apply_changes(conn: Connection, changes: Sequence[JobChange]) -> None:
    cursor = await conn.execute(_LOCK_JOBS, (list({c.job_id for c in changes}),))
    _check_expected(dict(await cursor.fetchall()), changes)
    for batch in _rounds(changes):
        cursor = await conn.execute(_CHANGE_JOBS, _change_columns(batch))
        if cursor.rowcount != len(batch):  # the rows are locked: only a bug gets here
            raise Conflict("jobs changed concurrently")


def _check_expected(states: dict[str, int], changes: Sequence[JobChange]) -> None:
    """Replay the changes on the locked states; the first mismatch is a `Conflict`."""
    for change in changes:
        if states.get(change.job_id) != change.expected:
            raise Conflict(f"job {change.job_id} is no longer {change.expected.name}")
        states[change.job_id] = change.state


def _rounds(changes: Sequence[JobChange]) -> list[list[JobChange]]:
    """Batches with each job at most once, keeping each job's changes in order."""
    rounds: list[list[JobChange]] = []
    seen: Counter[str] = Counter()
    for change in changes:
        number = seen[change.job_id]
        seen[change.job_id] += 1
        if number == len(rounds):
            rounds.append([])
        rounds[number].append(change)
    return rounds


def _change_columns(changes: list[JobChange]) -> tuple[list[Any], ...]:
    return (
        [c.job_id for c in changes],
        [int(c.expected) for c in changes],
        [int(c.state) for c in changes],
        [c.at_ns for c in changes],
        [c.priority for c in changes],
        [c.cancel_reason is not None or c.cancel_user is not None for c in changes],
        [c.cancel_reason for c in changes],
        [c.cancel_user for c in changes],
        [c.error for c in changes],
        [retry_to_json(c.retry) for c in changes],
    )


# --- appends ---------------------------------------------------------------------------


async def _append(conn: Connection, unit: EncodedWrite) -> list[EventId]:
    entries = await _next_entries(conn, unit.appends, unit.at_ms)
    ids: list[EventId] = []
    rows: list[tuple[Any, ...]] = []
    for append, chunks in zip(unit.appends, unit.chunks, strict=True):
        set_id, ms, seq = entries[append.queue, append.job_set_id].pop(0)
        rows += [(set_id, ms, seq, c.start, c.count, c.final, c.data) for c in chunks]
        ids.append(EventId(ms, seq, len(append.events) - 1, True))
    await conn.cursor().executemany(_INSERT_EVENTS, rows)
    return ids


async def _next_entries(
    conn: Connection, appends: Sequence[Append], at_ms: int
) -> dict[JobSetKey, list[tuple[int, int, int]]]:
    """Per job set, `(set_id, ms, seq)` of each of its new entries, in append order."""
    counts = Counter((a.queue, a.job_set_id) for a in appends)
    cursor = await conn.execute(
        _NEXT_ENTRIES,
        (at_ms, [q for q, _ in counts], [js for _, js in counts], list(counts.values())),
    )
    entries: dict[JobSetKey, list[tuple[int, int, int]]] = {}
    for queue, job_set_id, set_id, ms, last_seq in await cursor.fetchall():
        k = counts[queue, job_set_id]
        entries[queue, job_set_id] = [(set_id, ms, last_seq - k + 1 + i) for i in range(k)]
    return entries
