"""`SqliteStorage`: the `Storage` port on one SQLite file, for a single server process.

Every sqlite3 call runs on a worker thread, never on the event loop. Writes go to one
writer connection through the group committer (concurrent writes share a transaction
and its fsync); reads use a small pool of reader connections, so thanks to WAL a read
never waits for a write. `write()` returns after COMMIT, and only then wakes the
followers: an acknowledged write is durable (with `synchronous=FULL`) and readable.
"""

from __future__ import annotations

import functools
import logging
import sqlite3
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import anyio

from armada_core.browse import GroupField, JobFilter, JobGroup, JobPage, JobQuery
from armada_core.census import JobCount, QueuedJobs
from armada_core.errors import Unavailable
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
from armada_storage.config import SqliteSettings
from armada_storage.feed import LocalChangeFeed
from armada_storage.queue_cache import QueueCache
from armada_storage.sqlite import reads, writes
from armada_storage.sqlite.checkpointer import Checkpointer
from armada_storage.sqlite.group_commit import GroupCommitter
from armada_storage.sqlite.schema import connect, migrate

logger = logging.getLogger(__name__)

T = TypeVar("T")
READERS = 4  # reader connections (and threads) at most


class _Readers:
    """Reader connections, opened on demand, one per concurrent read."""

    def __init__(self, settings: SqliteSettings, size: int) -> None:
        self._settings = settings
        self._limiter = anyio.CapacityLimiter(size)
        self._idle: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False

    async def run(self, read: Callable[..., T], *args: Any) -> T:
        if self._closed:
            raise Unavailable("storage is closed")
        return await anyio.to_thread.run_sync(self._read, read, *args, limiter=self._limiter)

    def _read(self, read: Callable[..., T], *args: Any) -> T:
        conn = self._take()
        try:
            return read(conn, *args)
        except sqlite3.Error as exc:
            logger.exception("a read failed in the database")
            raise Unavailable(f"the database failed: {exc}") from None
        finally:
            self._give_back(conn)

    def _take(self) -> sqlite3.Connection:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return connect(self._settings.path, synchronous=self._settings.synchronous, reader=True)

    def _give_back(self, conn: sqlite3.Connection) -> None:
        with self._lock:
            if not self._closed:
                self._idle.append(conn)
                return
        conn.close()

    def close(self) -> None:
        """Close idle connections now; busy ones close when their read ends."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


class SqliteStorage:
    """Queues, jobs and event logs in one SQLite file (WAL)."""

    def __init__(
        self,
        settings: SqliteSettings,
        writer: sqlite3.Connection,
        changes: LocalChangeFeed,
        pod_specs: PodSpecCodec,
        events: EventCodec,
    ) -> None:
        """Use `await SqliteStorage.open(path)`; this wires an already migrated file."""
        self.settings = settings
        self._pod_specs = pod_specs
        self._events = events
        self._feed = changes
        self.changes: ChangeFeed = changes
        self._writer = writer
        self._committer = GroupCommitter(writer)
        self._readers = _Readers(settings, READERS)
        self._checkpointer = Checkpointer(settings)
        self._queues = QueueCache()
        self._closed = False

    @classmethod
    async def open(
        cls,
        path: str | Path,
        *,
        synchronous: str = "FULL",
        changes: LocalChangeFeed | None = None,
        pod_specs: PodSpecCodec | None = None,
        events: EventCodec | None = None,
    ) -> SqliteStorage:
        """Open (creating folders and file) and migrate the database at `path`.

        `pod_specs` and `events` store job pod specs and events as bytes (None: the
        registered codecs, `armada_storage.codecs`)."""
        settings = SqliteSettings(Path(path), synchronous.upper())
        codec = pod_spec_codec(pod_specs)
        writer = await anyio.to_thread.run_sync(_open_writer, settings, codec)
        return cls(settings, writer, changes or LocalChangeFeed(), codec, event_codec(events))

    # --- queues ----------------------------------------------------------------------

    async def get_queue(self, name: str) -> Queue | None:
        """From the cache when known (no thread hop): this process is the file's only writer."""
        return await self._queues.get(name, self._read_queue)

    async def _read_queue(self, name: str) -> Queue | None:
        return await self._readers.run(reads.get_queue, name)

    async def list_queues(self, limit: int = 0) -> list[Queue]:
        """Queues sorted by name; `limit` 0 means all."""
        return await self._readers.run(reads.list_queues, limit)

    async def upsert_queue(self, queue: Queue) -> None:
        await self._queues.forgetting(
            self._committer.run(functools.partial(writes.upsert_queue, queue=queue))
        )

    async def update_queue(self, queue: Queue) -> bool:
        """Replace an existing queue; False (and nothing written) if it is missing."""
        work = functools.partial(writes.update_queue, queue=queue)
        return await self._queues.forgetting(self._committer.run(work))

    async def delete_queue(self, name: str) -> DeleteOutcome:
        """Delete a queue unless it has active (non-terminal) jobs, atomically."""
        work = functools.partial(writes.delete_queue, name=name)
        return await self._queues.forgetting(self._committer.run(work))

    # --- retry policies ----------------------------------------------------------------

    async def get_retry_policy(self, name: str) -> RetryPolicy | None:
        return await self._readers.run(reads.get_retry_policy, name)

    async def list_retry_policies(self) -> list[RetryPolicy]:
        """Every retry policy, sorted by name."""
        return await self._readers.run(reads.list_retry_policies)

    async def upsert_retry_policy(self, policy: RetryPolicy) -> None:
        await self._committer.run(functools.partial(writes.upsert_retry_policy, policy=policy))

    async def update_retry_policy(self, policy: RetryPolicy) -> bool:
        """Replace an existing retry policy; False (and nothing written) if it is missing."""
        work = functools.partial(writes.update_retry_policy, policy=policy)
        return await self._committer.run(work)

    async def delete_retry_policy(self, name: str) -> list[str]:
        """Detach from every queue naming it, then delete; the detached queues, sorted."""
        work = functools.partial(writes.delete_retry_policy, name=name)  # detaches from queues
        return await self._queues.forgetting(self._committer.run(work))

    # --- the write -------------------------------------------------------------------

    async def find_client_ids(self, queue: str, client_ids: Collection[str]) -> dict[str, str]:
        """Job ids already submitted to `queue` under these client ids."""
        if not client_ids:
            return {}
        return await self._readers.run(reads.find_client_ids, queue, client_ids)

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
        """Apply one unit of work atomically and durably, then wake followers."""
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
        work = functools.partial(writes.write, unit=unit)
        ids = await self._committer.run(work, unit.weight)
        for key in dict.fromkeys((a.queue, a.job_set_id) for a in appends):
            self._feed.notify(*key)
        return ids

    def observe_commits(self, observer: CommitObserver | None) -> None:
        """Report each group commit's duration and number of writes to `observer`."""
        self._committer.observer = observer

    # --- jobs ------------------------------------------------------------------------

    async def get_jobs(self, job_ids: Collection[str]) -> dict[str, JobRecord]:
        """Known jobs by id; unknown ids are absent."""
        if not job_ids:
            return {}
        return await self._readers.run(reads.get_jobs, self._pod_specs, job_ids)

    async def jobs_in_job_set(
        self, queue: str, job_set_id: str, states: Collection[JobState]
    ) -> list[JobRecord]:
        """Jobs of a job set in one of `states`, in submission order."""
        return await self._readers.run(
            reads.jobs_in_job_set, self._pod_specs, queue, job_set_id, states
        )

    async def jobs_in_queue(self, queue: str, states: Collection[JobState]) -> list[JobRecord]:
        """Jobs of a queue in one of `states`, in submission order."""
        return await self._readers.run(reads.jobs_in_queue, self._pod_specs, queue, states)

    async def jobs_by_external_uri(self, queue: str, job_set_id: str, uri: str) -> list[JobRecord]:
        return await self._readers.run(
            reads.jobs_by_external_uri, self._pod_specs, queue, job_set_id, uri
        )

    async def job_set_activity(self, queue: str) -> list[JobSetActivity]:
        """Per job set with queued or leased jobs: the counts, sorted by job set id."""
        return await self._readers.run(reads.job_set_activity, queue)

    async def job_counts(self) -> list[JobCount]:
        """Active jobs per queue and state, non-zero only."""
        return await self._readers.run(reads.job_counts)

    async def queued_jobs(self) -> list[QueuedJobs]:
        """Queued jobs grouped by queue, priority class and resource requests."""
        return await self._readers.run(reads.queued_jobs)

    async def browse_jobs(self, query: JobQuery) -> JobPage:
        """One page of jobs by position (see `Storage.browse_jobs`)."""
        return await self._readers.run(reads.browse_jobs, self._pod_specs, query)

    async def group_jobs(self, filter: JobFilter, field: GroupField) -> list[JobGroup]:
        """Jobs matching `filter` counted per group and state."""
        return await self._readers.run(reads.group_jobs, filter, field)

    # --- runs and executors ------------------------------------------------------------

    async def get_runs(self, run_ids: Collection[str]) -> dict[str, Run]:
        """Known runs by id; unknown ids are absent."""
        if not run_ids:
            return {}
        return await self._readers.run(reads.get_runs, run_ids)

    async def runs_of_jobs(self, job_ids: Collection[str]) -> dict[str, list[Run]]:
        """Each named job's runs in serial order; jobs without runs are absent."""
        if not job_ids:
            return {}
        return await self._readers.run(reads.runs_of_jobs, job_ids)

    async def active_runs(self, executor: str | None = None) -> list[Run]:
        """Non-terminal runs (of one executor, or all), in serial order."""
        return await self._readers.run(reads.active_runs, executor)

    async def upsert_executor(self, executor: Executor) -> None:
        await self._committer.run(functools.partial(writes.upsert_executor, executor=executor))

    async def list_executors(self) -> list[Executor]:
        """Every executor ever seen, sorted by id."""
        return await self._readers.run(reads.list_executors)

    async def delete_executor(self, executor_id: str) -> None:
        work = functools.partial(writes.delete_executor, executor_id=executor_id)
        await self._committer.run(work)

    async def upsert_executor_settings(self, settings: ExecutorSettings) -> None:
        work = functools.partial(writes.upsert_executor_settings, settings=settings)
        await self._committer.run(work)

    async def delete_executor_settings(self, executor_id: str) -> None:
        work = functools.partial(writes.delete_executor_settings, executor_id=executor_id)
        await self._committer.run(work)

    async def list_executor_settings(self) -> list[ExecutorSettings]:
        """Every executor's settings, sorted by executor id."""
        return await self._readers.run(reads.list_executor_settings)

    async def is_scheduling_leader(self) -> bool:
        """A SQLite file has one server process: it always schedules."""
        return not self._closed

    # --- events ----------------------------------------------------------------------

    async def read_events(
        self, queue: str, job_set_id: str, after: EventId | None, limit: int
    ) -> list[StoredEvent]:
        """Up to `limit` events strictly after `after` (None: from the start), in order."""
        return await self._readers.run(
            reads.read_events, self._pod_specs, self._events, queue, job_set_id, after, limit
        )

    async def job_set_exists(self, queue: str, job_set_id: str) -> bool:
        """Whether the job set's log has at least one entry."""
        return await self._readers.run(reads.job_set_exists, queue, job_set_id)

    async def aclose(self) -> None:
        """Wait for writes in flight, then close every connection; later calls fail."""
        if self._closed:
            return
        self._closed = True
        await self._committer.aclose()
        await anyio.to_thread.run_sync(self._checkpointer.close)
        self._readers.close()
        await anyio.to_thread.run_sync(self._writer.close)


def _open_writer(settings: SqliteSettings, pod_specs: PodSpecCodec) -> sqlite3.Connection:
    settings.path.parent.mkdir(parents=True, exist_ok=True)
    conn = connect(settings.path, synchronous=settings.synchronous)
    try:
        migrate(conn, settings.path, pod_specs)
    except BaseException:
        conn.close()
        raise
    return conn


async def from_config(
    section: Mapping[str, Any],
    *,
    pod_specs: PodSpecCodec | None = None,
    events: EventCodec | None = None,
) -> Storage:
    """Registry factory for the `sqlite` backend: `{path, synchronous}`."""
    settings = SqliteSettings.from_mapping(section)
    return await SqliteStorage.open(
        settings.path, synchronous=settings.synchronous, pod_specs=pod_specs, events=events
    )
