"""GetJobSetEvents: eager checks, replay, exclusive resume, watching (spec §7.3)."""

from __future__ import annotations

import anyio
import anyio.abc
import pytest
from core_support import (
    ADMIN,
    ALICE,
    BOB,
    JOB_SET,
    QUEUE,
    CountingIds,
    admin_permissions,
    make_queue,
    submit,
)

from armada_core.clock import ManualClock
from armada_core.commands import CancelJobs, WatchJobSet
from armada_core.config import ServiceConfig
from armada_core.errors import InvalidArgument, NotFound, PermissionDenied
from armada_core.events import EventKind, StoredEvent
from armada_core.queues import QueuePermission, Subject
from armada_core.service import ArmadaService
from armada_storage.feed import LocalChangeFeed
from armada_storage.memory import MemoryStorage

pytestmark = pytest.mark.anyio


async def _collect(service: ArmadaService, command: WatchJobSet) -> list[StoredEvent]:
    stream = await service.job_set_events(ADMIN, command)
    return [event async for event in stream]


def _watch(**kwargs: object) -> WatchJobSet:
    return WatchJobSet(QUEUE, JOB_SET, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def small_batches(storage: MemoryStorage, clock: ManualClock) -> ArmadaService:
    """A service reading 3 events per batch, to cross batch boundaries."""
    config = ServiceConfig(permissions=admin_permissions(), event_batch_size=3)
    return ArmadaService(storage, config=config, clock=clock, ids=CountingIds())


# --- eager checks ---------------------------------------------------------------------


async def test_missing_queue_is_checked_first(service: ArmadaService) -> None:
    with pytest.raises(NotFound, match=r"^\[GetJobSetEvents\] Queue q does not exist$"):
        await service.job_set_events(BOB, _watch(from_message_id="bad", error_if_missing=True))


async def test_permission_is_checked_before_the_id(service: ArmadaService) -> None:
    await make_queue(service)
    with pytest.raises(PermissionDenied, match="watch_all_events"):
        await service.job_set_events(BOB, _watch(from_message_id="bad"))


async def test_bad_id_is_checked_before_the_job_set(service: ArmadaService) -> None:
    await make_queue(service)
    with pytest.raises(InvalidArgument):
        await service.job_set_events(ADMIN, _watch(from_message_id="1:2:3", error_if_missing=True))


async def test_missing_job_set(service: ArmadaService) -> None:
    await make_queue(service)
    with pytest.raises(NotFound, match=r"^\[GetJobSetEvents\] Jobset js for queue q does not"):
        await service.job_set_events(ADMIN, _watch(error_if_missing=True))
    assert await _collect(service, _watch()) == []


async def test_watch_verb_on_the_queue_is_enough(service: ArmadaService) -> None:
    verb = QueuePermission((Subject("Group", "team-a"),), ("watch",))
    await make_queue(service, permissions=(verb,))
    await service.submit_jobs(ADMIN, submit())
    stream = await service.job_set_events(ALICE, _watch())
    assert len([e async for e in stream]) == 2


# --- replay ---------------------------------------------------------------------------


async def test_replay_crosses_batches_and_ends(
    small_batches: ArmadaService, clock: ManualClock
) -> None:
    service = small_batches
    await make_queue(service)
    for _ in range(3):
        await service.submit_jobs(ADMIN, submit(2))  # 4 events per entry
        clock.advance(1_000_000)
    events = await _collect(service, _watch())
    assert len(events) == 12
    assert [e.id for e in events] == sorted(e.id for e in events)
    assert len({e.id for e in events}) == 12


async def test_resume_is_exclusive(small_batches: ArmadaService) -> None:
    service = small_batches
    await make_queue(service)
    await service.submit_jobs(ADMIN, submit(2))
    await service.submit_jobs(ADMIN, submit(1))
    everything = await _collect(service, _watch())
    for position, event in enumerate(everything):
        rest = await _collect(service, _watch(from_message_id=str(event.id)))
        assert rest == everything[position + 1 :]


async def test_resume_from_a_legacy_entry_id(service: ArmadaService) -> None:
    await make_queue(service)
    await service.submit_jobs(ADMIN, submit(1))
    await service.submit_jobs(ADMIN, submit(1))
    everything = await _collect(service, _watch())
    first = everything[0].id
    rest = await _collect(service, _watch(from_message_id=f"{first.ms}-{first.seq}"))
    assert rest == everything[2:]  # the whole first entry is skipped


async def test_event_order_per_job(service: ArmadaService) -> None:
    await make_queue(service)
    ids = await service.submit_jobs(ADMIN, submit(2))
    await service.cancel_jobs(ADMIN, CancelJobs(QUEUE, JOB_SET, (ids[1],)))
    kinds = [(e.event.job_id, e.event.kind) for e in await _collect(service, _watch())]
    for job_id in ids:
        mine = [k for j, k in kinds if j == job_id]
        assert mine[:2] == [EventKind.SUBMITTED, EventKind.QUEUED]
    assert [k for j, k in kinds if j == ids[1]][2:] == [EventKind.CANCELLING, EventKind.CANCELLED]


# --- watch ----------------------------------------------------------------------------


async def test_watch_sees_a_job_submitted_after_it_started(
    service: ArmadaService, feed: LocalChangeFeed
) -> None:
    await make_queue(service)
    first = await service.submit_jobs(ADMIN, submit(1))
    stream = await service.job_set_events(ADMIN, _watch(watch=True))
    seen: list[StoredEvent] = []

    async def consume() -> None:
        async for event in stream:
            seen.append(event)
            if len(seen) == 4:
                return

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(consume)
            await anyio.wait_all_tasks_blocked()
            assert [e.event.job_id for e in seen] == first * 2
            assert feed.follower_count() == 1  # waiting, not polling
            second = await service.submit_jobs(ADMIN, submit(1))
    await stream.aclose()
    assert [e.event.job_id for e in seen] == first * 2 + second * 2
    assert feed.follower_count() == 0


async def test_watch_waits_for_a_job_set_that_does_not_exist_yet(
    service: ArmadaService, feed: LocalChangeFeed
) -> None:
    await make_queue(service)
    stream = await service.job_set_events(ADMIN, _watch(watch=True))
    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(service.submit_jobs, ADMIN, submit(1))
            event = await anext(stream)
    assert event.event.kind is EventKind.SUBMITTED
    await stream.aclose()


async def test_cancelling_a_waiting_watcher_leaves_no_waiter(
    service: ArmadaService, feed: LocalChangeFeed
) -> None:
    await make_queue(service)
    stream = await service.job_set_events(ADMIN, _watch(watch=True))

    async def consume(task_status: anyio.abc.TaskStatus[None]) -> None:
        task_status.started()
        async for _event in stream:
            pytest.fail("no event was written")

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            await tg.start(consume)
            await anyio.wait_all_tasks_blocked()
            assert feed.follower_count() == 1
            tg.cancel_scope.cancel()
    assert feed.follower_count() == 0


async def test_closing_a_watch_after_some_events_leaves_no_waiter(
    service: ArmadaService, feed: LocalChangeFeed
) -> None:
    await make_queue(service)
    await service.submit_jobs(ADMIN, submit(1))
    stream = await service.job_set_events(ADMIN, _watch(watch=True))
    assert (await anext(stream)).event.kind is EventKind.SUBMITTED
    await stream.aclose()
    assert feed.follower_count() == 0


# --- pages ------------------------------------------------------------------------------


async def test_pages_are_the_reads_in_order(small_batches: ArmadaService) -> None:
    await make_queue(small_batches)
    await small_batches.submit_jobs(ADMIN, submit(4))  # 8 events, batches of 3
    pages = await small_batches.job_set_event_pages(ADMIN, _watch())
    got = [page async for page in pages]
    assert [len(page) for page in got] == [3, 3, 2]
    assert [e for page in got for e in page] == await _collect(small_batches, _watch())


async def test_a_watchers_page_is_what_is_new_at_once(
    service: ArmadaService, feed: LocalChangeFeed
) -> None:
    await make_queue(service)
    pages = await service.job_set_event_pages(ADMIN, _watch(watch=True))
    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(service.submit_jobs, ADMIN, submit(1))
            page = await anext(pages)
    assert [e.event.kind for e in page] == [EventKind.SUBMITTED, EventKind.QUEUED]
    await pages.aclose()
    assert feed.follower_count() == 0
