"""The SQL of the job browsing queries (`Storage.browse_jobs`, `Storage.group_jobs`).

Written once for both SQL backends; a `Dialect` holds what differs (placeholders,
JSON access, text order). They mirror `armada_core.browse.matches` and `sort_value`.

A page is a keyset query: `ORDER BY <key>, n LIMIT k+1` after the last row's
`(key, n)`. With several states, each state is its own branch, ordered and limited
alone, and the branches are merged: each branch walks the index `(queue, state, n)`
or `(state, n)` from its position, where one `state IN (...)` would sort every match.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from armada_core.browse import (
    MAX_GROUP_ROWS,
    MAX_PAGE_JOBS,
    GroupField,
    JobFilter,
    JobOrder,
    JobPage,
    JobQuery,
    PagePosition,
)
from armada_core.jobs import JobRecord, JobState

# The columns a job record is decoded from (`_codec.job_record`); pages add two more.
RECORD_COLUMNS = (
    "spec, pod_spec, state, last_transition_ns, priority, cancel_ns, cancel_reason,"
    " cancel_user, error, retry"
)
_ORDER_COLUMNS = {
    JobOrder.SUBMITTED: None,  # n alone
    JobOrder.JOB_ID: "id",
    JobOrder.LAST_TRANSITION: "last_transition_ns",
    JobOrder.QUEUE: "queue",
    JobOrder.JOB_SET: "job_set_id",
    JobOrder.STATE: "state",
}
_TEXT_COLUMNS = frozenset({"id", "queue", "job_set_id"})
_GROUP_COLUMNS = {
    GroupField.QUEUE: ("queue", "queue"),
    GroupField.JOB_SET: ("queue", "job_set_id"),
    GroupField.STATE: ("''", "''"),
}

_GROUP_BY = {
    GroupField.QUEUE: "queue, state",
    GroupField.JOB_SET: "queue, job_set_id, state",
    GroupField.STATE: "state",
}


@dataclass(frozen=True, slots=True)
class Dialect:
    """What differs between the SQL backends."""

    mark: str  # a parameter placeholder
    collate: str  # appended to text columns where their order is visible
    pair_match: str  # `{field}` is labels or annotations; two marks: key, value
    created_ns: str  # the job's submission time, from its spec


SQLITE = Dialect(
    mark="?",
    collate="",
    pair_match="EXISTS (SELECT 1 FROM json_each(spec, '$.{field}') WHERE key = ? AND value = ?)",
    created_ns="json_extract(spec, '$.created_ns')",
)
POSTGRES = Dialect(
    mark="%s",
    collate=' COLLATE "C"',
    pair_match="(spec::jsonb -> '{field}' ->> %s) = %s",
    created_ns="(spec::jsonb ->> 'created_ns')::bigint",
)

Statement = tuple[str, list[Any]]


def page_statement(dialect: Dialect, query: JobQuery) -> Statement:
    """The rows `RECORD_COLUMNS, n, sort value` of the page, and one more if any."""
    limit = min(max(query.limit, 1), MAX_PAGE_JOBS) + 1
    states = sorted(query.filter.states)
    if len(states) < 2:
        return _branch(dialect, query, query.filter.states, limit)
    params: list[Any] = []
    branches = []
    for state in states:
        sql, branch_params = _branch(dialect, query, frozenset({state}), limit)
        branches.append(f"SELECT * FROM ({sql}) AS s{int(state)}")
        params += branch_params
    direction = _direction(query)
    sql = " UNION ALL ".join(branches)
    sql += f" ORDER BY sortv{_collate(dialect, query)} {direction}, seq {direction}"
    return f"{sql} LIMIT {dialect.mark}", [*params, limit]


def _branch(
    dialect: Dialect, query: JobQuery, states: frozenset[JobState], limit: int
) -> Statement:
    where, params = _conditions(dialect, query.filter, states)
    column = _ORDER_COLUMNS[query.order]
    key = f"{column}{_collate(dialect, query)}" if column else None
    direction = _direction(query)
    if query.after is not None:
        compare = "<" if query.descending else ">"
        if key is None:
            where.append(f"n {compare} {dialect.mark}")
            params.append(query.after.seq)
        else:
            where.append(f"({key}, n) {compare} ({dialect.mark}, {dialect.mark})")
            params += [query.after.value, query.after.seq]
    order = f"n {direction}" if key is None else f"{key} {direction}, n {direction}"
    sql = (
        f"SELECT {RECORD_COLUMNS}, n AS seq, {column or '0'} AS sortv FROM jobs"
        f"{_where(where)} ORDER BY {order} LIMIT {dialect.mark}"
    )
    return sql, [*params, limit]


def page_from_rows(
    rows: Sequence[Sequence[Any]], query: JobQuery, record: Callable[[Sequence[Any]], JobRecord]
) -> JobPage:
    """The page of `page_statement`'s rows; `record` decodes `RECORD_COLUMNS`."""
    limit = min(max(query.limit, 1), MAX_PAGE_JOBS)
    jobs = [record(row[:-2]) for row in rows[:limit]]
    if len(rows) <= limit:
        return JobPage(jobs, None)
    *_, seq, value = rows[limit - 1]
    return JobPage(jobs, PagePosition(value, seq))


def group_statement(dialect: Dialect, filter: JobFilter, field: GroupField) -> Statement:
    """Rows `(queue, name, state, count)` sorted by queue and name (`browse.GroupRow`)."""
    where, params = _conditions(dialect, filter, filter.states)
    queue, name = _GROUP_COLUMNS[field]
    order = (
        ""
        if field is GroupField.STATE
        else f" ORDER BY {queue}{dialect.collate}, {name}{dialect.collate}"
    )
    sql = (
        f"SELECT {queue}, {name}, state, count(*) FROM jobs{_where(where)}"
        f" GROUP BY {_GROUP_BY[field]}{order} LIMIT {dialect.mark}"
    )
    return sql, [*params, MAX_GROUP_ROWS]


def _conditions(
    dialect: Dialect, filter: JobFilter, states: frozenset[JobState]
) -> tuple[list[str], list[Any]]:
    mark = dialect.mark
    where: list[str] = []
    params: list[Any] = []

    def add(condition: str, *values: Any) -> None:
        where.append(condition)
        params.extend(values)

    if filter.queue:
        add(f"queue = {mark}", filter.queue)
    if filter.job_set_id and filter.job_set_prefix:
        add(f"substr(job_set_id, 1, {mark}) = {mark}", len(filter.job_set_id), filter.job_set_id)
    elif filter.job_set_id:
        add(f"job_set_id = {mark}", filter.job_set_id)
    if states:
        # Integers of an IntEnum, inlined: safe, and the planner sees the index prefix.
        add(f"state IN ({','.join(str(int(s)) for s in sorted(states))})")
    if filter.job_id:
        add(f"id = {mark}", filter.job_id)
    for field, pairs in (("labels", filter.labels), ("annotations", filter.annotations)):
        for key, value in pairs:
            add(dialect.pair_match.format(field=field), key, value)
    if filter.submitted_from_ns is not None:
        add(f"{dialect.created_ns} >= {mark}", filter.submitted_from_ns)
    if filter.submitted_to_ns is not None:
        add(f"{dialect.created_ns} < {mark}", filter.submitted_to_ns)
    return where, params


def _where(conditions: list[str]) -> str:
    return f" WHERE {' AND '.join(conditions)}" if conditions else ""


def _direction(query: JobQuery) -> str:
    return "DESC" if query.descending else "ASC"


def _collate(dialect: Dialect, query: JobQuery) -> str:
    return dialect.collate if _ORDER_COLUMNS[query.order] in _TEXT_COLUMNS else ""
