"""Browsing jobs: filters, orders, keyset pages and groups (the web UI's tables).

A page is found by position, never by offset: every order sorts by its key and then
by the job's submission sequence number (`seq`, unique, growing with each insert), so
the last row of a page (`PagePosition`) says exactly where the next one starts,
however many jobs the store holds. `matches` and `sort_value` are the rules; the
memory backend applies them directly and the SQL backends mirror them in SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum

from armada_core.jobs import JobRecord, JobState

MAX_PAGE_JOBS = 500  # rows one page may ask for
DEFAULT_PAGE_JOBS = 50
MAX_GROUPS = 1000  # groups one grouping returns at most
MAX_FILTER_PAIRS = 8  # label or annotation conditions per query
FILTER_VALUE_BYTES = 1024  # a label or annotation value to match (annotations run longer)
POSITION_BYTES = 2048  # the sort value of a page position (an id, a name, a job set id)


class JobOrder(Enum):
    """What a page is sorted by (the names are Lookout's API field names)."""

    SUBMITTED = "submitted"
    JOB_ID = "jobId"
    LAST_TRANSITION = "lastTransitionTime"
    QUEUE = "queue"
    JOB_SET = "jobSet"
    STATE = "state"


class GroupField(Enum):
    """What jobs can be grouped by."""

    QUEUE = "queue"
    JOB_SET = "jobSet"
    STATE = "state"


@dataclass(frozen=True, slots=True)
class JobFilter:
    """Conditions a job must all meet; empty fields do not filter.

    `job_set_id` matches exactly, or as a prefix with `job_set_prefix`. Labels and
    annotations match as exact `key = value` pairs. Submission time is the half-open
    range `[submitted_from_ns, submitted_to_ns)`.
    """

    queue: str = ""
    job_set_id: str = ""
    job_set_prefix: bool = False
    states: frozenset[JobState] = frozenset()
    job_id: str = ""
    labels: tuple[tuple[str, str], ...] = ()
    annotations: tuple[tuple[str, str], ...] = ()
    submitted_from_ns: int | None = None
    submitted_to_ns: int | None = None


@dataclass(frozen=True, slots=True)
class PagePosition:
    """A row's place in an order: its sort value, then its submission sequence number."""

    value: str | int
    seq: int


@dataclass(frozen=True, slots=True)
class JobQuery:
    """One page of jobs: those matching `filter` after `after` in `order`."""

    filter: JobFilter = field(default_factory=JobFilter)
    order: JobOrder = JobOrder.SUBMITTED
    descending: bool = True
    after: PagePosition | None = None
    limit: int = DEFAULT_PAGE_JOBS


@dataclass(frozen=True, slots=True)
class JobPage:
    """A page of jobs and where the next page starts (None: this is the last)."""

    jobs: list[JobRecord]
    next: PagePosition | None


@dataclass(frozen=True, slots=True)
class JobGroup:
    """Jobs sharing a value, counted by state.

    `name` is the queue, the job set id or the state name; `queue` is the job set's
    queue when grouping by job set (job set ids are unique within a queue only).
    """

    name: str
    queue: str
    counts: Mapping[JobState, int]

    @property
    def count(self) -> int:
        """All jobs of the group."""
        return sum(self.counts.values())


# Orders whose sort value is a number (the others sort by text).
NUMERIC_ORDERS = frozenset({JobOrder.SUBMITTED, JobOrder.LAST_TRANSITION, JobOrder.STATE})


def matches(record: JobRecord, filter: JobFilter) -> bool:
    """Whether `record` meets every condition of `filter`."""
    job = record.job
    return (
        (not filter.queue or job.queue == filter.queue)
        and _job_set_matches(job.job_set_id, filter)
        and (not filter.states or record.state in filter.states)
        and (not filter.job_id or job.id == filter.job_id)
        and all(job.labels.get(k) == v for k, v in filter.labels)
        and all(job.annotations.get(k) == v for k, v in filter.annotations)
        and (filter.submitted_from_ns is None or job.created_ns >= filter.submitted_from_ns)
        and (filter.submitted_to_ns is None or job.created_ns < filter.submitted_to_ns)
    )


def _job_set_matches(job_set_id: str, filter: JobFilter) -> bool:
    if not filter.job_set_id:
        return True
    if filter.job_set_prefix:
        return job_set_id.startswith(filter.job_set_id)
    return job_set_id == filter.job_set_id


def sort_value(record: JobRecord, order: JobOrder) -> str | int:
    """The value `order` sorts `record` by (before its sequence number)."""
    job = record.job
    values: dict[JobOrder, str | int] = {
        JobOrder.SUBMITTED: 0,  # the sequence number alone is the submission order
        JobOrder.JOB_ID: job.id,
        JobOrder.LAST_TRANSITION: record.last_transition_ns,
        JobOrder.QUEUE: job.queue,
        JobOrder.JOB_SET: job.job_set_id,
        JobOrder.STATE: int(record.state),
    }
    return values[order]


def group_key(record: JobRecord, field: GroupField) -> tuple[str, str]:
    """`(queue, name)` of the group `record` belongs to."""
    job = record.job
    if field is GroupField.QUEUE:
        return job.queue, job.queue
    if field is GroupField.JOB_SET:
        return job.queue, job.job_set_id
    return "", record.state.name


# A row of a grouping as the backends count it: (queue, name, state, jobs).
GroupRow = tuple[str, str, int, int]
# Rows a backend reads at most for one grouping: enough for `MAX_GROUPS` whole groups
# and one more (whose rows tell that the list was cut).
MAX_GROUP_ROWS = (MAX_GROUPS + 1) * len(JobState)


def build_groups(rows: Iterable[GroupRow], field: GroupField) -> list[JobGroup]:
    """Groups from per-state counts, in order (by queue and name; states by number).

    At most `MAX_GROUPS`: rows come sorted by `(queue, name)`, so dropping the
    groups after the limit never leaves a group with some of its states missing.
    """
    counts: dict[tuple[str, str], dict[JobState, int]] = {}
    for queue, name, state, jobs in rows:
        key = ("", JobState(state).name) if field is GroupField.STATE else (queue, name)
        per_state = counts.setdefault(key, {})
        per_state[JobState(state)] = per_state.get(JobState(state), 0) + jobs
    keys = sorted(counts, key=lambda k: _group_order(k, field))[:MAX_GROUPS]
    return [JobGroup(name, queue, counts[(queue, name)]) for queue, name in keys]


def _group_order(key: tuple[str, str], field: GroupField) -> tuple[str, str] | int:
    return JobState[key[1]].value if field is GroupField.STATE else key
