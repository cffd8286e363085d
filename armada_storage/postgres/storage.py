"""`PostgresStorage`: the `Storage` port on PostgreSQL, for several server processes.

Any number of server processes may open the same database (and schema): each write is
one transaction whose row locks serialise it against the writes of every process (see
`writes`), and followers are woken across processes through LISTEN/NOTIFY (see
`listener`). Each instance holds a small connection pool for calls and one more
connection that listens. `write()` returns after COMMIT; the followers wake when the
notification arrives, which PostgreSQL sends only once the commit is visible.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import psycopg

from armada_core.browse import GroupField, JobFilter, JobGroup, JobPage, JobQuery
from armada_core.census import JobCount, QueuedJobs
from armada_core.events import EventId, StoredEvent
from armada_core.executors import Executor, ExecutorSettings
from armada_core.jobs import Job, JobChange, JobRecord, JobSetActivity, JobState
from armada_core.observers import CommitObserver
from armada_core.ports import Append, ChangeFeed, DeleteOutcome, EventCodec, PodSpecCodec, Storage
from armada_core.queues import Queue
from armada_core.retry.policy import RetryPolicy
from armada_core.runs import Run
from armada_storage._rows import encode_write
from armada_storage.codecs import event_codec, pod_spec_codec
from armada_storage.config import StorageConfigError
from armada_storage.postgres import reads, writes
from armada_storage.postgres.leader import Leadership
from armada_storage.postgres.listener import Listener, SharedChangeFeed
from armada_storage.postgres.pool import Pool, close_quietly, connect
from armada_storage.postgres.schema import migrate
from armada_storage.postgres.settings import DEFAULT_POOL_SIZE, PostgresSettings
from armada_storage.queue_cache import QueueCache

logger = logging.getLogger(__name__)


class PostgresStorage:
    """Queues, jobs and event logs in a PostgreSQL database shared by server processes."""

    def __init__(
        self,
        settings: PostgresSettings,
        feed: SharedChangeFeed,
        pod_specs: PodSpecCodec,
        events: EventCodec,
    ) -> None:
        """Use `await PostgresStorage.open(dsn)`; this wires an already migrated schema."""
        self.settings = settings
        self._pod_specs = pod_specs
        self._events = events
        self._feed = feed
        self.changes: ChangeFeed = feed
        self._pool = Pool(settings)
        self._queues = QueueCache(trusted=False)  # until the listener listens
        self._listener = Listener(lambda: connect(settings), feed, self._queues)
        self._leader = Leadership(lambda: connect(settings))
        self._closed = False
        self._observer: CommitObserver | None = None

    @classmethod
    async def open(
        cls,
        dsn: str,
        *,
        schema: str | None = None,
        pool_size: int = DEFAULT_POOL_SIZE,
        pod_specs: PodSpecCodec | None = None,
        events: EventCodec | None = None,
    ) -> PostgresStorage:
        """Connect, migrate the schema (creating it if named and missing) and start listening.

        `pod_specs` and `events` store job pod specs and events as bytes (None: the
        registered codecs, `armada_storage.codecs`). `StorageConfigError` if the database cannot be
        reached or is too new.
        """
        settings = PostgresSettings(dsn, schema, pool_size)
        codec = pod_spec_codec(pod_specs)
        try:
            await _migrate(settings, codec)
            storage = cls(settings, SharedChangeFeed(), codec, event_codec(events))
            await storage._listener.start()
        except psycopg.Error as exc:
            raise StorageConfigError(f"storage.postgres: {_one_line(exc)}") from None
        return storage

    # --- queues ----------------------------------------------------------------------

    async def get_queue(self, name: str) -> Queue | None:
        """From the cache when known (see `listener` for changes by other processes)."""
        return await self._queues.get(name, self._read_queue)

    async def _read_queue(self, name: str) -> Queue | None:
        return await self._pool.run(reads.get_queue, name)

    async def list_queues(self, limit: int = 0) -> list[Queue]:
        """Queues sorted by name; `limit` 0 means all."""
        return await self._pool.run(reads.list_queues, limit)

    async def upsert_queue(self, queue: Queue) -> None:
        await self._queues.forgetting(self._pool.run(writes.upsert_queue, queue))

    async def update_queue(self, queue: Queue) -> bool:
        """Replace an existing queue; False (and nothing written) if it is missing."""
        return await self._queues.forgetting(self._pool.run(writes.update_queue, queue))

    async def delete_queue(self, name: str) -> DeleteOutcome:
        """Delete a queue unless it has active (non-terminal) jobs, atomically."""
        return await self._queues.forgetting(self._pool.run(writes.delete_queue, name))

    # --- retry policies ----------------------------------------------------------------

    async def get_retry_policy(self, name: str) -> RetryPolicy | None:
        return await self._pool.run(reads.get_retry_policy, name)

    async def list_retry_policies(self) -> list[RetryPolicy]:
        """Every retry policy, sorted by name."""
        return await self._pool.run(reads.list_retry_policies)

    async def upsert_retry_policy(self, policy: RetryPolicy) -> None:
        await self._pool.run(writes.upsert_retry_policy, policy)

    async def update_retry_policy(self, policy: RetryPolicy) -> bool:
        """Replace an existing retry policy; False (and nothing written) if it is missing."""
        return await self._pool.run(writes.update_retry_policy, policy)

    async def delete_retry_policy(self, name: str) -> list[str]:
        """Detach from every queue naming it, then delete; the detached queues, sorted."""
        work = self._pool.run(writes.delete_retry_policy, name)  # detaches from queues
        return await self._queues.forgetting(work)

    # --- the write -------------------------------------------------------------------

    async def find_client_ids(self, queue: str, client_ids: Collection[str]) -> dict[str, str]:
        """Job ids already submitted to `queue` under these client ids."""
        if not client_ids:
            return {}
        return await self._pool.run(reads.find_client_ids, queue, list(client_ids))

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
        """Apply one unit of work in one transaction; followers everywhere wake on commit."""
        unit = await encode_write(
            at_ms,
            jobs,
            changes,
            appends,
            require_queue,
            runs,
            pod_specs=self._pod_specs,
            events=self._events,
        )
        started = time.perf_counter()
        ids = await self._pool.run(writes.write, unit)
        if self._observer is not None:
            self._observer(time.perf_counter() - started, 1)
        return ids

    def observe_commits(self, observer: CommitObserver | None) -> None:
        """Report each write transaction's duration to `observer` (one write each)."""
        self._observer = observer

    # --- jobs ------------------------------------------------------------------------

    async def get_jobs(self, job_ids: Collection[str]) -> dict[str, JobRecord]:
        """Known jobs by id; unknown ids are absent."""
        if not job_ids:
            return {}
        return await self._pool.run(reads.get_jobs, self._pod_specs, list(job_ids))

    async def jobs_in_job_set(
        self, queue: str, job_set_id: str, states: Collection[JobState]
    ) -> list[JobRecord]:
        """Jobs of a job set in one of `states`, in submission order."""
        return await self._pool.run(
            reads.jobs_in_job_set, self._pod_specs, queue, job_set_id, states
        )

    async def jobs_in_queue(self, queue: str, states: Collection[JobState]) -> list[JobRecord]:
        """Jobs of a queue in one of `states`, in submission order."""
        return await self._pool.run(reads.jobs_in_queue, self._pod_specs, queue, states)

    async def jobs_by_external_uri(self, queue: str, job_set_id: str, uri: str) -> list[JobRecord]:
        return await self._pool.run(
            reads.jobs_by_external_uri, self._pod_specs, queue, job_set_id, uri
        )

    async def job_set_activity(self, queue: str) -> list[JobSetActivity]:
        """Per job set with queued or leased jobs: the counts, sorted by job set id."""
        return await self._pool.run(reads.job_set_activity, queue)

    async def job_counts(self) -> list[JobCount]:
        """Active jobs per queue and state, non-zero only."""
        return await self._pool.run(reads.job_counts)

    async def queued_jobs(self) -> list[QueuedJobs]:
        """Queued jobs grouped by queue, priority class and resource requests."""
        return await self._pool.run(reads.queued_jobs)

    async def browse_jobs(self, query: JobQuery) -> JobPage:
        """One page of jobs by position (see `Storage.browse_jobs`)."""
        return await self._pool.run(reads.browse_jobs, self._pod_specs, query)

    async def group_jobs(self, filter: JobFilter, field: GroupField) -> list[JobGroup]:
        """Jobs matching `filter` counted per group and state."""
        return await self._pool.run(reads.group_jobs, filter, field)

    # --- runs and executors ------------------------------------------------------------

    async def get_runs(self, run_ids: Collection[str]) -> dict[str, Run]:
        """Known runs by id; unknown ids are absent."""
        if not run_ids:
            return {}
        return await self._pool.run(reads.get_runs, list(run_ids))

    async def runs_of_jobs(self, job_ids: Collection[str]) -> dict[str, list[Run]]:
        """Each named job's runs in serial order; jobs without runs are absent."""
        if not job_ids:
            return {}
        return await self._pool.run(reads.runs_of_jobs, list(job_ids))

    async def active_runs(self, executor: str | None = None) -> list[Run]:
        """Non-terminal runs (of one executor, or all), in serial order."""
        return await self._pool.run(reads.active_runs, executor)

    async def upsert_executor(self, executor: Executor) -> None:
        await self._pool.run(writes.upsert_executor, executor)

    async def list_executors(self) -> list[Executor]:
        """Every executor ever seen, sorted by id."""
        return await self._pool.run(reads.list_executors)

    async def delete_executor(self, executor_id: str) -> None:
        await self._pool.run(writes.delete_executor, executor_id)

    async def upsert_executor_settings(self, settings: ExecutorSettings) -> None:
        await self._pool.run(writes.upsert_executor_settings, settings)

    async def delete_executor_settings(self, executor_id: str) -> None:
        await self._pool.run(writes.delete_executor_settings, executor_id)

    async def list_executor_settings(self) -> list[ExecutorSettings]:
        """Every executor's settings, sorted by executor id."""
        return await self._pool.run(reads.list_executor_settings)

    async def is_scheduling_leader(self) -> bool:
        """Whether this process holds the scheduling lock of the schema (taken if free)."""
        return await self._leader.held()

    # --- events ----------------------------------------------------------------------

    async def read_events(
        self, queue: str, job_set_id: str, after: EventId | None, limit: int
    ) -> list[StoredEvent]:
        """Up to `limit` events strictly after `after` (None: from the start), in order."""
        return await self._pool.run(
            reads.read_events, self._pod_specs, self._events, queue, job_set_id, after, limit
        )

    async def job_set_exists(self, queue: str, job_set_id: str) -> bool:
        """Whether the job set's log has at least one entry."""
        return await self._pool.run(reads.job_set_exists, queue, job_set_id)

    async def aclose(self) -> None:
        """Stop listening, wait for calls in flight, close every connection."""
        if self._closed:
            return
        self._closed = True
        await self._leader.aclose()
        await self._listener.aclose()
        await self._pool.aclose()


async def _migrate(settings: PostgresSettings, pod_specs: PodSpecCodec) -> None:
    conn = await connect(settings)
    try:
        await migrate(conn, settings.schema, pod_specs)
    finally:
        await close_quietly(conn)


def _one_line(exc: psycopg.Error) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


async def from_config(
    section: Mapping[str, Any],
    *,
    pod_specs: PodSpecCodec | None = None,
    events: EventCodec | None = None,
) -> Storage:
    """Registry factory for the `postgres` backend: `{dsn, schema, pool_size}`."""
    settings = PostgresSettings.from_mapping(section)
    return await PostgresStorage.open(
        settings.dsn,
        schema=settings.schema,
        pool_size=settings.pool_size,
        pod_specs=pod_specs,
        events=events,
    )
