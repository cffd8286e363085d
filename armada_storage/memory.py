"""`MemoryStorage`: the reference `Storage`, and the fake for core and adapter tests.

Plain dicts and lists, one lock for writes. A write validates everything first and
mutates only when all of it holds, so it is all-or-nothing like a transaction; then it
wakes the followers of every job set it appended to. Stored objects are returned as
they are (not copied): callers must not mutate a job's dicts.
"""

from __future__ import annotations

import bisect
import heapq
from collections import Counter
from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
import anyio.lowlevel

from armada_core.browse import (
    MAX_PAGE_JOBS,
    GroupField,
    JobFilter,
    JobGroup,
    JobPage,
    JobQuery,
    PagePosition,
    build_groups,
    group_key,
    matches,
    sort_value,
)
from armada_core.census import JobCount, QueuedJobs, group_queued
from armada_core.errors import ClientIdsTaken, Conflict, NotFound, Unavailable
from armada_core.events import EventId, StoredEvent
from armada_core.executors import Executor, ExecutorSettings
from armada_core.jobs import (
    ACTIVE_STATES,
    LEASED_STATES,
    Job,
    JobChange,
    JobRecord,
    JobSetActivity,
    JobState,
)
from armada_core.ports import Append, ChangeFeed, DeleteOutcome, Storage
from armada_core.queues import Queue
from armada_core.retry.policy import RetryPoliciesMissing, RetryPolicy
from armada_core.runs import Run
from armada_core.submission.podspec import priority_class_name
from armada_storage._rules import (
    apply_change,
    check_appends,
    client_id_keys,
    detach,
    entry_ids,
    new_record,
    next_entry,
    stored_run,
)
from armada_storage.config import MemorySettings, read_settings
from armada_storage.feed import LocalChangeFeed

_ALL = frozenset(JobState)
_LEASED = LEASED_STATES
JobSetKey = tuple[str, str]


@dataclass(slots=True)
class _Log:
    """One job set's events, with their resume keys for bisection."""

    keys: list[tuple[int, int, int]] = field(default_factory=list)
    events: list[StoredEvent] = field(default_factory=list)
    last: tuple[int, int] | None = None


class MemoryStorage:
    """Everything in process memory; gone when the process ends."""

    def __init__(self, changes: LocalChangeFeed | None = None) -> None:
        self._feed = changes or LocalChangeFeed()
        self.changes: ChangeFeed = self._feed
        self._lock = anyio.Lock()
        self._closed = False
        self._queues: dict[str, Queue] = {}
        self._policies: dict[str, RetryPolicy] = {}
        self._jobs: dict[str, JobRecord] = {}
        self._set_jobs: dict[JobSetKey, list[str]] = {}
        self._queue_jobs: dict[str, list[str]] = {}
        self._seq: dict[str, int] = {}  # submission sequence numbers, from 1
        self._client_ids: dict[JobSetKey, str] = {}
        self._logs: dict[JobSetKey, _Log] = {}
        self._runs: dict[str, Run] = {}
        self._job_runs: dict[str, list[str]] = {}
        self._active_runs: dict[str, None] = {}  # in serial order
        self._serial = 0
        self._executors: dict[str, Executor] = {}
        self._settings: dict[str, ExecutorSettings] = {}

    # --- queues ----------------------------------------------------------------------

    async def get_queue(self, name: str) -> Queue | None:
        await self._enter()
        return self._queues.get(name)

    async def list_queues(self, limit: int = 0) -> list[Queue]:
        """Queues sorted by name; `limit` 0 means all."""
        await self._enter()
        names = sorted(self._queues)
        return [self._queues[n] for n in (names[:limit] if limit > 0 else names)]

    async def upsert_queue(self, queue: Queue) -> None:
        async with self._writing():
            self._check_policies(queue)
            self._queues[queue.name] = queue

    async def update_queue(self, queue: Queue) -> bool:
        """Replace an existing queue; False (and nothing written) if it is missing."""
        async with self._writing():
            if queue.name not in self._queues:
                return False
            self._check_policies(queue)
            self._queues[queue.name] = queue
            return True

    def _check_policies(self, queue: Queue) -> None:
        missing = [name for name in queue.retry_policies if name not in self._policies]
        if missing:
            raise RetryPoliciesMissing(missing)

    async def delete_queue(self, name: str) -> DeleteOutcome:
        """Delete a queue unless it has active (non-terminal) jobs."""
        async with self._writing():
            if name not in self._queues:
                return DeleteOutcome.MISSING
            jobs = self._queue_jobs.get(name, [])
            if any(self._jobs[j].state in ACTIVE_STATES for j in jobs):
                return DeleteOutcome.HAS_ACTIVE_JOBS
            del self._queues[name]
            return DeleteOutcome.DELETED

    # --- retry policies ----------------------------------------------------------------

    async def get_retry_policy(self, name: str) -> RetryPolicy | None:
        await self._enter()
        return self._policies.get(name)

    async def list_retry_policies(self) -> list[RetryPolicy]:
        """Every retry policy, sorted by name."""
        await self._enter()
        return [self._policies[name] for name in sorted(self._policies)]

    async def upsert_retry_policy(self, policy: RetryPolicy) -> None:
        async with self._writing():
            self._policies[policy.name] = policy

    async def update_retry_policy(self, policy: RetryPolicy) -> bool:
        """Replace an existing retry policy; False (and nothing written) if it is missing."""
        async with self._writing():
            if policy.name not in self._policies:
                return False
            self._policies[policy.name] = policy
            return True

    async def delete_retry_policy(self, name: str) -> list[str]:
        """Detach from every queue naming it, then delete; the detached queues, sorted."""
        async with self._writing():
            detached = sorted(q.name for q in self._queues.values() if name in q.retry_policies)
            for queue_name in detached:
                self._queues[queue_name] = detach(self._queues[queue_name], name)
            self._policies.pop(name, None)
            return detached

    # --- the write -------------------------------------------------------------------

    async def find_client_ids(self, queue: str, client_ids: Collection[str]) -> dict[str, str]:
        """Job ids already submitted to `queue` under these client ids."""
        await self._enter()
        found = ((c, self._client_ids.get((queue, c))) for c in client_ids)
        return {c: job_id for c, job_id in found if job_id is not None}

    async def write(
        self,
        *,
        at_ms: int,
        jobs: Sequence[Job] = (),
        changes: Sequence[JobChange] = (),
        appends: Sequence[Append] = (),
        require_queue: str | None = None,
        runs: Sequence[Run] = (),
    ) -> list[EventId]:
        """Apply one unit of work atomically, then wake followers (see `Storage.write`)."""
        async with self._writing():
            updated = self._validate(jobs, changes, appends, require_queue)
            self._insert(jobs)
            self._jobs.update(updated)
            for run in runs:
                self._store_run(run)
            ids = [self._append(append, at_ms) for append in appends]
        for key in dict.fromkeys((a.queue, a.job_set_id) for a in appends):
            self._feed.notify(*key)
        return ids

    def _validate(
        self,
        jobs: Sequence[Job],
        changes: Sequence[JobChange],
        appends: Sequence[Append],
        require_queue: str | None,
    ) -> dict[str, JobRecord]:
        """Check the whole unit without mutating; returns the changed records."""
        check_appends(appends)
        if require_queue is not None and require_queue not in self._queues:
            raise NotFound(f"queue {require_queue} does not exist")
        taken = {k: self._client_ids[k] for k in client_id_keys(jobs) if k in self._client_ids}
        if taken:
            raise ClientIdsTaken(taken)
        overlay: dict[str, JobRecord] = {}
        for job in jobs:
            if job.id in self._jobs or job.id in overlay:
                raise Conflict(f"job {job.id} exists already")
            overlay[job.id] = new_record(job)
        for change in changes:
            current = overlay.get(change.job_id) or self._jobs.get(change.job_id)
            overlay[change.job_id] = apply_change(current, change)
        return overlay

    def _insert(self, jobs: Sequence[Job]) -> None:
        for job in jobs:
            self._set_jobs.setdefault((job.queue, job.job_set_id), []).append(job.id)
            self._queue_jobs.setdefault(job.queue, []).append(job.id)
            self._seq[job.id] = len(self._seq) + 1
        self._client_ids.update(client_id_keys(jobs))

    def _append(self, append: Append, at_ms: int) -> EventId:
        log = self._logs.setdefault((append.queue, append.job_set_id), _Log())
        log.last = next_entry(log.last, at_ms)
        ms, seq = log.last
        for event_id, event in zip(
            entry_ids(ms, seq, len(append.events)), append.events, strict=True
        ):
            log.keys.append((ms, seq, event_id.index))
            log.events.append(StoredEvent(event_id, append.queue, append.job_set_id, event))
        return log.events[-1].id

    def _store_run(self, run: Run) -> None:
        old = self._runs.get(run.id)
        if old is None:
            self._serial += 1
            self._job_runs.setdefault(run.job_id, []).append(run.id)
        run = stored_run(run, old.serial if old is not None else self._serial)
        self._runs[run.id] = run
        if run.is_terminal:
            self._active_runs.pop(run.id, None)
        elif old is None:
            self._active_runs[run.id] = None

    # --- runs and executors ------------------------------------------------------------

    async def get_runs(self, run_ids: Collection[str]) -> dict[str, Run]:
        """Known runs by id; unknown ids are absent."""
        await self._enter()
        return {r: self._runs[r] for r in run_ids if r in self._runs}

    async def runs_of_jobs(self, job_ids: Collection[str]) -> dict[str, list[Run]]:
        """Each named job's runs in serial order; jobs without runs are absent."""
        await self._enter()
        found = ((j, self._job_runs.get(j)) for j in job_ids)
        return {j: [self._runs[r] for r in ids] for j, ids in found if ids}

    async def active_runs(self, executor: str | None = None) -> list[Run]:
        """Non-terminal runs (of one executor, or all), in serial order."""
        await self._enter()
        runs = (self._runs[r] for r in self._active_runs)
        return [r for r in runs if executor is None or r.executor == executor]

    async def upsert_executor(self, executor: Executor) -> None:
        async with self._writing():
            self._executors[executor.id] = executor

    async def list_executors(self) -> list[Executor]:
        """Every executor ever seen, sorted by id."""
        await self._enter()
        return [self._executors[e] for e in sorted(self._executors)]

    async def delete_executor(self, executor_id: str) -> None:
        async with self._writing():
            self._executors.pop(executor_id, None)

    async def upsert_executor_settings(self, settings: ExecutorSettings) -> None:
        async with self._writing():
            self._settings[settings.executor_id] = settings

    async def delete_executor_settings(self, executor_id: str) -> None:
        async with self._writing():
            self._settings.pop(executor_id, None)

    async def list_executor_settings(self) -> list[ExecutorSettings]:
        """Every executor's settings, sorted by executor id."""
        await self._enter()
        return [self._settings[e] for e in sorted(self._settings)]

    async def is_scheduling_leader(self) -> bool:
        """One process owns the memory: it always schedules."""
        await self._enter()
        return True

    # --- jobs ------------------------------------------------------------------------

    async def get_jobs(self, job_ids: Collection[str]) -> dict[str, JobRecord]:
        """Known jobs by id; unknown ids are absent."""
        await self._enter()
        return {j: self._jobs[j] for j in job_ids if j in self._jobs}

    async def jobs_in_job_set(
        self, queue: str, job_set_id: str, states: Collection[JobState]
    ) -> list[JobRecord]:
        """Jobs of a job set in one of `states`, in submission order."""
        await self._enter()
        return self._records(self._set_jobs.get((queue, job_set_id), []), states)

    async def jobs_in_queue(self, queue: str, states: Collection[JobState]) -> list[JobRecord]:
        """Jobs of a queue in one of `states`, in submission order."""
        await self._enter()
        return self._records(self._queue_jobs.get(queue, []), states)

    async def jobs_by_external_uri(self, queue: str, job_set_id: str, uri: str) -> list[JobRecord]:
        await self._enter()
        records = self._records(self._set_jobs.get((queue, job_set_id), []), _ALL)
        return [r for r in records if r.job.external_job_uri == uri]

    async def job_set_activity(self, queue: str) -> list[JobSetActivity]:
        """Per job set with queued or leased jobs: the counts, sorted by job set id."""
        await self._enter()
        counts: dict[str, list[int]] = {}
        for record in self._records(self._queue_jobs.get(queue, []), ACTIVE_STATES):
            pair = counts.setdefault(record.job.job_set_id, [0, 0])
            pair[record.state in _LEASED] += 1
        return [JobSetActivity(js, q, leased) for js, (q, leased) in sorted(counts.items())]

    async def job_counts(self) -> list[JobCount]:
        """Active jobs per queue and state, non-zero only."""
        await self._enter()
        counts: dict[tuple[str, JobState], int] = {}
        for record in self._queued_or_active(ACTIVE_STATES):
            key = (record.job.queue, record.state)
            counts[key] = counts.get(key, 0) + 1
        return [JobCount(queue, state, n) for (queue, state), n in counts.items()]

    async def queued_jobs(self) -> list[QueuedJobs]:
        """Queued jobs grouped by queue, priority class and resource requests."""
        await self._enter()
        rows = (
            (
                r.job.queue,
                priority_class_name(r.job.spec.rules()),
                tuple(sorted(r.job.scheduling_resource_requirements.requests.items())),
                r.last_transition_ns,
            )
            for r in self._queued_or_active({JobState.QUEUED})
        )
        return group_queued(rows, dict)

    def _queued_or_active(self, states: Collection[JobState]) -> list[JobRecord]:
        """Jobs in `states` of the queues that exist (as the SQL backends read them)."""
        return [r for q in self._queues for r in self._records(self._queue_jobs.get(q, []), states)]

    async def browse_jobs(self, query: JobQuery) -> JobPage:
        """A page by position; a linear scan (the reference, not for millions of jobs)."""
        await self._enter()
        limit = min(max(query.limit, 1), MAX_PAGE_JOBS)
        after = None if query.after is None else _key(query.after)
        positions = [
            (position, r)
            for r in self._jobs.values()
            if matches(r, query.filter)
            and _beyond(
                position := PagePosition(sort_value(r, query.order), self._seq[r.job.id]),
                after,
                query.descending,
            )
        ]
        pick = heapq.nlargest if query.descending else heapq.nsmallest
        found = pick(limit + 1, positions, key=lambda p: _key(p[0]))
        more = len(found) > limit
        return JobPage([r for _, r in found[:limit]], found[limit - 1][0] if more else None)

    async def group_jobs(self, filter: JobFilter, field: GroupField) -> list[JobGroup]:
        """Counts over a linear scan."""
        await self._enter()
        counts = Counter(
            (*group_key(r, field), int(r.state)) for r in self._jobs.values() if matches(r, filter)
        )
        return build_groups(((q, n, s, c) for (q, n, s), c in counts.items()), field)

    def _records(self, job_ids: list[str], states: Collection[JobState]) -> list[JobRecord]:
        wanted = frozenset(states)
        records = (self._jobs[j] for j in job_ids)
        return [r for r in records if r.state in wanted]

    # --- events ----------------------------------------------------------------------

    async def read_events(
        self, queue: str, job_set_id: str, after: EventId | None, limit: int
    ) -> list[StoredEvent]:
        """Up to `limit` events strictly after `after` (None: from the start), in order."""
        await self._enter()
        log = self._logs.get((queue, job_set_id))
        if log is None or limit <= 0:
            return []
        start = 0 if after is None else bisect.bisect_right(log.keys, after.resume_key)
        return log.events[start : start + limit]

    async def job_set_exists(self, queue: str, job_set_id: str) -> bool:
        """Whether the job set's log has at least one entry."""
        await self._enter()
        return (queue, job_set_id) in self._logs

    async def aclose(self) -> None:
        """Later calls raise `Unavailable`."""
        async with self._lock:
            self._closed = True

    # --- helpers ---------------------------------------------------------------------

    async def _enter(self) -> None:
        # A checkpoint makes every call a scheduling point, as with a real database.
        await anyio.lowlevel.checkpoint()
        if self._closed:
            raise Unavailable("storage is closed")

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[None]:
        async with self._lock:
            if self._closed:
                raise Unavailable("storage is closed")
            yield


def _key(position: PagePosition) -> tuple[str | int, int]:
    return position.value, position.seq


def _beyond(position: PagePosition, after: tuple[str | int, int] | None, descending: bool) -> bool:
    """Whether `position` comes after `after` in the page order (None: the start)."""
    if after is None:
        return True
    key = _key(position)
    return key < after if descending else key > after


async def from_config(section: Mapping[str, Any]) -> Storage:
    """Registry factory: the `memory` backend takes no settings."""
    read_settings(MemorySettings, section, "storage.memory")
    return MemoryStorage()
