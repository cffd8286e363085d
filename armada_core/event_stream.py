"""GetJobSetEvents: read a job set's log after an id, once or following it (spec §7.3).

`open_job_set_events` makes every check before it returns, so a transport can turn
a refusal into a status before it sends anything; the stream it returns then only
reads. Reads are exclusive of `from_message_id`.

- Without `watch` the stream sends what the log holds and ends: it reads batches
  until one comes back short, which is the end of the log at that moment.
- With `watch` it never ends by itself. Before each read it registers with the
  storage's change feed, so an append that commits after the read but before the
  wait still wakes it; when a read finds nothing new it waits for such a wake-up.
  Stopping the consumer (`aclose()` or cancelling the task that iterates) leaves
  no registration behind.

The stream comes as events (`open_job_set_events`) or as pages
(`open_job_set_event_pages`): each page is what one read returned, sent on as soon
as it is read (a watcher's page is whatever was new, never held back to fill it), so
a transport can write a page at once.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

from armada_core.commands import WatchJobSet
from armada_core.echo import shown
from armada_core.errors import NotFound
from armada_core.events import EventId, StoredEvent
from armada_core.limits import MESSAGE_ID_BYTES, check_job_set_id, check_length, check_queue_name
from armada_core.permissions import PermissionConfig, QueueVerb
from armada_core.ports import Storage
from armada_core.principal import Principal
from armada_core.queues import authorize_queue_action

_PREFIX = "[GetJobSetEvents]"


async def open_job_set_events(
    storage: Storage,
    permissions: PermissionConfig,
    principal: Principal,
    command: WatchJobSet,
    *,
    batch_size: int,
) -> AsyncGenerator[StoredEvent, None]:
    """Check, in Armada's order, then return the (not yet started) stream of events."""
    pages = await open_job_set_event_pages(
        storage, permissions, principal, command, batch_size=batch_size
    )
    return _events_of(pages)


async def _events_of(
    pages: AsyncGenerator[list[StoredEvent], None],
) -> AsyncGenerator[StoredEvent, None]:
    try:
        async for page in pages:
            for event in page:
                yield event
    finally:
        await pages.aclose()


async def open_job_set_event_pages(
    storage: Storage,
    permissions: PermissionConfig,
    principal: Principal,
    command: WatchJobSet,
    *,
    batch_size: int,
) -> AsyncGenerator[list[StoredEvent], None]:
    """Check, in Armada's order, then return the (not yet started) stream of pages
    (non-empty lists of events, in log order).

    Lengths come first: no oversized name or id reaches storage.
    """
    check_queue_name(command.queue)
    check_job_set_id(command.job_set_id)
    check_length("from_message_id", command.from_message_id, MESSAGE_ID_BYTES)
    queue = await storage.get_queue(command.queue)
    if queue is None:
        raise NotFound(f"{_PREFIX} Queue {shown(command.queue)} does not exist")
    authorize_queue_action(permissions, principal, queue, QueueVerb.WATCH)
    after = EventId.parse(command.from_message_id)
    if command.error_if_missing and not await storage.job_set_exists(
        command.queue, command.job_set_id
    ):
        raise NotFound(
            f"{_PREFIX} Jobset {shown(command.job_set_id)} for queue {shown(command.queue)} "
            "does not exist"
        )
    reader = _Reader(storage, command.queue, command.job_set_id, batch_size)
    return reader.follow(after) if command.watch else reader.replay(after)


class _Reader:
    """Reads one job set's log in batches."""

    def __init__(self, storage: Storage, queue: str, job_set_id: str, batch_size: int) -> None:
        self._storage = storage
        self._queue = queue
        self._job_set_id = job_set_id
        self._batch_size = batch_size

    async def _read(self, after: EventId | None) -> list[StoredEvent]:
        return await self._storage.read_events(
            self._queue, self._job_set_id, after, self._batch_size
        )

    async def replay(self, after: EventId | None) -> AsyncGenerator[list[StoredEvent], None]:
        """Everything after `after` up to the end of the log, then stop."""
        while True:
            batch = await self._read(after)
            if batch:
                yield batch
            if len(batch) < self._batch_size:
                return
            after = batch[-1].id

    async def follow(self, after: EventId | None) -> AsyncGenerator[list[StoredEvent], None]:
        """Everything after `after`, then new events as they are appended; never stops."""
        while True:
            batch = await self._next_batch(after)
            yield batch
            after = batch[-1].id

    async def _next_batch(self, after: EventId | None) -> list[StoredEvent]:
        """The next non-empty batch, waiting for an append if there is none yet."""
        while True:
            # Register first, then read: an append between the read and the wait
            # leaves the waiter woken, so `wait()` returns at once.
            async with self._storage.changes.follow(self._queue, self._job_set_id) as waiter:
                batch = await self._read(after)
                if batch:
                    return batch
                await waiter.wait()
