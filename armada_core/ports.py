"""Ports: what the core needs from the outside world, as Protocols.

Storage backends (`armada_storage`) implement `Storage`; the composition root
hands one to the service. Everything here is async except the clock and ids.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from armada_core.browse import GroupField, JobFilter, JobGroup, JobPage, JobQuery
from armada_core.census import JobCount, QueuedJobs
from armada_core.events import Event, EventId, StoredEvent
from armada_core.executors import Executor, ExecutorSettings
from armada_core.jobs import Job, JobChange, JobRecord, JobSetActivity, JobState, KubeObject
from armada_core.queues import Queue
from armada_core.retry.policy import RetryPolicy
from armada_core.runs import Run
from armada_core.submission.patch import PodPatch


class PodSpec(Protocol):
    """A job's main pod spec, read-only, as the transport parsed it.

    Behind the wire adapters it is the parsed protobuf message (`k8s.io.api.core.v1.
    PodSpec`): the core reads the few fields its rules need, computes a patch, and the
    message is stored and sent on as bytes, never turned into a dict on the way. The
    core's own `KubePodSpec` holds a Kubernetes JSON dict (embedders, tests).
    Two pod specs are equal when their Kubernetes JSON shapes are.
    """

    def rules(self) -> KubeObject:
        """The fields the submission and scheduling rules read, in Kubernetes JSON shape.

        At least: `priorityClassName`, `nodeSelector`, `tolerations`, `affinity`,
        `activeDeadlineSeconds`, `terminationGracePeriodSeconds`, and `containers` /
        `initContainers` with each one's `name`, `resources`, `ports` and
        `restartPolicy`. Never modified by the caller."""

    def kube(self) -> KubeObject:
        """The whole pod spec in Kubernetes JSON shape (cold paths; decoded on demand
        and kept). Never modified by the caller."""

    def size(self) -> int | None:
        """Its protobuf size in bytes, when known (Armada's size rule counts it)."""

    def encoded(self) -> bytes | None:
        """Its `k8s.io.api.core.v1.PodSpec` protobuf bytes, when at hand."""

    def patched(self, patch: PodPatch) -> PodSpec:
        """A copy with `patch` applied (`submission.patch` gives the semantics)."""


class PodSpecCodec(Protocol):
    """Pod specs to and from their protobuf bytes, for storage (given by the wire layer)."""

    def encode(self, spec: PodSpec) -> bytes:
        """The protobuf bytes of any pod spec (`encoded()` when it has them)."""

    def decode(self, data: bytes) -> PodSpec:
        """A pod spec over stored bytes (decoded lazily)."""


class EventCodec(Protocol):
    """Events to and from the bytes the wire sends (Armada's `api.EventMessage`), for
    storage (given by the wire layer): a replay then joins stored bytes.

    `encode` answers None for an event whose bytes would not give it back exactly
    (fields that are not plain scalars of the kind, or zero, text that is not ASCII);
    storage keeps such an event its own way.
    """

    def encode(self, event: Event, queue: str, job_set_id: str) -> bytes | None:
        """The event's `api.EventMessage` bytes; a `submitted` event's job is written
        without its pod spec (storage keeps that once, with the job: a reader appends
        it, `StoredEvent.pod_spec`). None if `decode` would not give `event` back."""

    def decode(self, data: bytes, job: Job | None) -> Event:
        """The event `encode` made `data` of, with `job` (a `submitted` event's, which
        storage reads from its jobs)."""


class Clock(Protocol):
    """Wall-clock time in nanoseconds since the epoch."""

    def now_ns(self) -> int: ...


class IdFactory(Protocol):
    """Makes job ids (lower-case ULIDs, monotonic within the process)."""

    def new_id(self) -> str: ...


class Waiter(Protocol):
    """Wakes a follower when its job set's log has grown."""

    async def wait(self) -> None:
        """Return once an append committed since the waiter was made or last woke."""


class ChangeFeed(Protocol):
    """Tells followers that a job set's log has grown.

    A follower enters `follow()` *before* reading, so an append that commits
    between its read and its wait still wakes it: nothing is missed.
    """

    def follow(self, queue: str, job_set_id: str) -> AbstractAsyncContextManager[Waiter]: ...

    def follow_all(self) -> AbstractAsyncContextManager[Waiter]:
        """Like `follow`, woken when any job set's log has grown."""


@dataclass(frozen=True, slots=True)
class Append:
    """Events to append to one job set's log as one entry."""

    queue: str
    job_set_id: str
    events: tuple[Event, ...]


class DeleteOutcome(Enum):
    """What `Storage.delete_queue` did."""

    DELETED = "deleted"
    MISSING = "missing"
    HAS_ACTIVE_JOBS = "has_active_jobs"


class Storage(Protocol):
    """Queues, jobs and the event log, behind one transactional write."""

    changes: ChangeFeed

    async def get_queue(self, name: str) -> Queue | None: ...

    async def list_queues(self, limit: int = 0) -> list[Queue]:
        """Queues sorted by name; `limit` 0 means all."""

    async def upsert_queue(self, queue: Queue) -> None:
        """Create or replace a queue; `RetryPoliciesMissing` (nothing written) if one of
        its retry policies does not exist, checked atomically with the write."""

    async def update_queue(self, queue: Queue) -> bool:
        """Replace an existing queue; False (and nothing written) if it is missing.

        `RetryPoliciesMissing` as for `upsert_queue`."""

    async def delete_queue(self, name: str) -> DeleteOutcome:
        """Delete a queue unless it has active (non-terminal) jobs, atomically."""

    async def get_retry_policy(self, name: str) -> RetryPolicy | None: ...

    async def list_retry_policies(self) -> list[RetryPolicy]:
        """Every retry policy, sorted by name."""

    async def upsert_retry_policy(self, policy: RetryPolicy) -> None:
        """Create or replace a retry policy."""

    async def update_retry_policy(self, policy: RetryPolicy) -> bool:
        """Replace an existing retry policy; False (and nothing written) if it is missing."""

    async def delete_retry_policy(self, name: str) -> list[str]:
        """Detach the policy from every queue naming it, then delete it, atomically.

        Returns the detached queues' names, sorted; a missing policy is no change."""

    async def find_client_ids(self, queue: str, client_ids: Collection[str]) -> dict[str, str]:
        """Job ids already submitted to `queue` under these client ids."""

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
        """Apply one unit of work atomically and durably, then wake followers.

        - `jobs` are inserted as QUEUED; each non-empty client id is recorded as
          `(queue, client_id) → job id` (of its first job in `jobs`). If a mapping
          exists already for any of them, nothing is written and `ClientIdsTaken`
          names the existing ones: checked and recorded atomically with the write,
          so concurrent writers (in any process) never both record one key.
        - every change applies only if its job is still in `change.expected`;
          otherwise nothing is written and `Conflict` is raised.
        - each append becomes one log entry whose id `(ms, seq)` is greater than
          every earlier entry of that job set, with `ms >= at_ms`.
        - with `require_queue`, `NotFound` is raised (nothing written) if that
          queue does not exist.
        - `runs` are stored by id: a known run is replaced (its serial stays), a new
          one gets a serial greater than every stored run's. Runs are not guarded
          themselves: a use case writes each with a change of its job.
        Returns, per append, the id of its last event.
        """

    async def get_jobs(self, job_ids: Collection[str]) -> dict[str, JobRecord]:
        """Known jobs by id; unknown ids are absent."""

    async def jobs_in_job_set(
        self, queue: str, job_set_id: str, states: Collection[JobState]
    ) -> list[JobRecord]:
        """Jobs of a job set in one of `states`, in submission order."""

    async def jobs_in_queue(self, queue: str, states: Collection[JobState]) -> list[JobRecord]:
        """Jobs of a queue in one of `states`, in submission order."""

    async def jobs_by_external_uri(
        self, queue: str, job_set_id: str, uri: str
    ) -> list[JobRecord]: ...

    async def job_set_activity(self, queue: str) -> list[JobSetActivity]:
        """Per job set with queued or leased jobs: the counts, sorted by job set id."""

    async def browse_jobs(self, query: JobQuery) -> JobPage:
        """One page of jobs (see `armada_core.browse`): those matching the filter after
        `query.after` in the query's order, at most `query.limit` of them.

        Found by position through an index where one fits (no offset, no loading of
        every job): submission order with or without a queue, job set or state filter.
        """

    async def group_jobs(self, filter: JobFilter, field: GroupField) -> list[JobGroup]:
        """Jobs matching `filter` counted per group and state (`browse.build_groups`)."""

    async def read_events(
        self, queue: str, job_set_id: str, after: EventId | None, limit: int
    ) -> list[StoredEvent]:
        """Up to `limit` events strictly after `after` (None: from the start), in order."""

    async def job_set_exists(self, queue: str, job_set_id: str) -> bool:
        """Whether the job set's log has at least one entry."""

    async def get_runs(self, run_ids: Collection[str]) -> dict[str, Run]:
        """Known runs by id; unknown ids are absent."""

    async def runs_of_jobs(self, job_ids: Collection[str]) -> dict[str, list[Run]]:
        """Each named job's runs in serial order; jobs without runs are absent."""

    async def active_runs(self, executor: str | None = None) -> list[Run]:
        """Non-terminal runs (of one executor, or all), in serial order."""

    async def upsert_executor(self, executor: Executor) -> None:
        """Record an executor's latest snapshot, replacing the previous one."""

    async def list_executors(self) -> list[Executor]:
        """Every executor ever seen, sorted by id."""

    async def delete_executor(self, executor_id: str) -> None:
        """Forget an executor's snapshot (its runs and settings stay); missing is fine.

        A live executor is recorded again by its next lease call."""

    async def upsert_executor_settings(self, settings: ExecutorSettings) -> None:
        """Create or replace one executor's settings."""

    async def delete_executor_settings(self, executor_id: str) -> None:
        """Remove one executor's settings (= not cordoned); missing is fine."""

    async def list_executor_settings(self) -> list[ExecutorSettings]:
        """Every executor's settings, sorted by executor id."""

    async def is_scheduling_leader(self) -> bool:
        """Whether this process may schedule now (decision E5).

        Backends one process owns always are; a shared database elects one holder
        (and this call is how a process becomes it, when nobody holds it).
        """

    async def job_counts(self) -> list[JobCount]:
        """Active jobs (QUEUED, LEASED, PENDING, RUNNING) per queue and state, non-zero only."""

    async def queued_jobs(self) -> list[QueuedJobs]:
        """Every QUEUED job, grouped by queue, priority class and resource requests."""

    async def aclose(self) -> None:
        """Release connections and threads; later calls fail."""
