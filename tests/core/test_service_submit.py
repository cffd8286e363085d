"""SubmitJobs: order of checks, one write, events, deduplication (spec §5)."""

from __future__ import annotations

import math

import anyio
import pytest
from core_support import ADMIN, ALICE, BOB, JOB_SET, QUEUE, item, make_queue, submit

from armada_core.clock import ManualClock
from armada_core.commands import JobSubmitItem, SubmitJobs
from armada_core.errors import InvalidArgument, NotFound, PermissionDenied
from armada_core.events import EventKind
from armada_core.jobs import ACTIVE_STATES, JobState
from armada_core.queues import QueuePermission, Subject
from armada_core.service import ArmadaService
from armada_storage.memory import MemoryStorage

pytestmark = pytest.mark.anyio


async def _kinds(storage: MemoryStorage, job_set: str = JOB_SET) -> list[tuple[str, EventKind]]:
    events = await storage.read_events(QUEUE, job_set, None, 1000)
    return [(e.event.job_id, e.event.kind) for e in events]


async def test_submit_returns_ids_in_order_and_stores_queued_jobs(
    service: ArmadaService, storage: MemoryStorage
) -> None:
    await make_queue(service)
    ids = await service.submit_jobs(ADMIN, submit(3))
    assert ids == ["job-0001", "job-0002", "job-0003"]
    records = await storage.get_jobs(ids)
    assert {r.state for r in records.values()} == {JobState.QUEUED}
    job = records["job-0001"].job
    assert (job.queue, job.job_set_id, job.owner) == (QUEUE, JOB_SET, "root")
    assert job.groups == ("admins", "everyone")


async def test_submit_writes_one_entry_submitted_then_queued(
    service: ArmadaService, storage: MemoryStorage, clock: ManualClock
) -> None:
    await make_queue(service)
    ids = await service.submit_jobs(ADMIN, submit(2))
    events = await storage.read_events(QUEUE, JOB_SET, None, 100)
    assert [(e.event.job_id, e.event.kind) for e in events] == [
        (ids[0], EventKind.SUBMITTED),
        (ids[0], EventKind.QUEUED),
        (ids[1], EventKind.SUBMITTED),
        (ids[1], EventKind.QUEUED),
    ]
    assert len({(e.id.ms, e.id.seq) for e in events}) == 1  # one entry
    assert [e.id.last for e in events] == [False, False, False, True]
    assert {e.event.created_ns for e in events} == {clock.now_ns()}
    assert events[0].event.job is not None and events[0].event.job.id == ids[0]
    assert events[1].event.job is None


async def test_missing_queue_is_not_found(service: ArmadaService) -> None:
    with pytest.raises(NotFound, match='could not find queue "q"'):
        await service.submit_jobs(ADMIN, submit())


async def test_permission_by_global_or_queue_verb(service: ArmadaService) -> None:
    verb = QueuePermission((Subject("Group", "team-a"),), ("submit",))
    await make_queue(service, permissions=(verb,), user_owners=("carol",))
    with pytest.raises(PermissionDenied, match="submit_any_jobs"):
        await service.submit_jobs(BOB, submit())
    assert len(await service.submit_jobs(ALICE, submit())) == 1


async def test_queue_owner_may_submit(service: ArmadaService) -> None:
    await make_queue(service, user_owners=("bob",))
    assert len(await service.submit_jobs(BOB, submit())) == 1


async def test_permission_is_checked_before_validation(service: ArmadaService) -> None:
    await make_queue(service)
    bad = SubmitJobs(QUEUE, "", (item(),))
    with pytest.raises(PermissionDenied):
        await service.submit_jobs(BOB, bad)
    with pytest.raises(InvalidArgument):
        await service.submit_jobs(ADMIN, bad)


async def test_invalid_request_writes_nothing(
    service: ArmadaService, storage: MemoryStorage
) -> None:
    await make_queue(service)
    no_pod = JobSubmitItem(namespace="ns")
    with pytest.raises(InvalidArgument):
        await service.submit_jobs(ADMIN, SubmitJobs(QUEUE, JOB_SET, (item(), no_pod)))
    assert not await storage.job_set_exists(QUEUE, JOB_SET)


async def test_duplicate_client_ids_get_the_original_id(
    service: ArmadaService, storage: MemoryStorage
) -> None:
    await make_queue(service)
    first = await service.submit_jobs(ADMIN, SubmitJobs(QUEUE, JOB_SET, (item("a"), item())))
    # Another job set of the same queue: the key is (queue, client id) only.
    again = SubmitJobs(QUEUE, "other", (item("a"), item("b")))
    second = await service.submit_jobs(ADMIN, again)
    assert second[0] == first[0]
    assert second[1] not in first
    assert [k for _, k in await _kinds(storage, "other")] == [
        EventKind.SUBMITTED,
        EventKind.QUEUED,
    ]


async def test_nothing_new_writes_nothing(service: ArmadaService, storage: MemoryStorage) -> None:
    await make_queue(service)
    ids = await service.submit_jobs(ADMIN, SubmitJobs(QUEUE, JOB_SET, (item("a"),)))
    before = await storage.read_events(QUEUE, JOB_SET, None, 100)
    assert await service.submit_jobs(ADMIN, SubmitJobs(QUEUE, JOB_SET, (item("a"),))) == ids
    assert await storage.read_events(QUEUE, JOB_SET, None, 100) == before


async def test_same_client_id_twice_in_one_request_makes_two_jobs(
    service: ArmadaService,
) -> None:
    await make_queue(service)
    ids = await service.submit_jobs(ADMIN, SubmitJobs(QUEUE, JOB_SET, (item("a"), item("a"))))
    assert len(set(ids)) == 2
    # The first job keeps the mapping: a later submission gets one of the two.
    later = await service.submit_jobs(ADMIN, SubmitJobs(QUEUE, JOB_SET, (item("a"),)))
    assert later[0] in ids


async def test_dedup_is_per_queue(service: ArmadaService) -> None:
    await make_queue(service)
    await make_queue(service, "other")
    a = await service.submit_jobs(ADMIN, SubmitJobs(QUEUE, JOB_SET, (item("a"),)))
    b = await service.submit_jobs(ADMIN, SubmitJobs("other", JOB_SET, (item("a"),)))
    assert a != b


async def test_priority_is_rounded(service: ArmadaService, storage: MemoryStorage) -> None:
    await make_queue(service)
    ids = await service.submit_jobs(
        ADMIN, SubmitJobs(QUEUE, JOB_SET, (item(priority=2.5), item(priority=2**32 - 1)))
    )
    records = await storage.get_jobs(ids)
    assert [records[i].priority for i in ids] == [3, 2**32 - 1]


@pytest.mark.parametrize("priority", [-3, -0.1, 2**32, 1e308, math.inf, -math.inf, math.nan])
async def test_priority_out_of_range_is_refused_not_clamped(
    service: ArmadaService, storage: MemoryStorage, priority: float
) -> None:
    await make_queue(service)
    with pytest.raises(InvalidArgument, match=r"^priority must be a number from 0 to 4294967295"):
        await service.submit_jobs(ADMIN, SubmitJobs(QUEUE, JOB_SET, (item(priority=priority),)))
    assert not await storage.jobs_in_job_set(QUEUE, JOB_SET, ACTIVE_STATES)


async def test_concurrent_submits_of_the_same_client_ids_make_one_job_each(
    service: ArmadaService, storage: MemoryStorage
) -> None:
    """Every lookup runs before any write: the write, not the lookup, must dedup."""
    await make_queue(service)
    request = SubmitJobs(QUEUE, JOB_SET, tuple(item(f"c{i}") for i in range(20)))
    answers: list[list[str]] = []

    async def submit_one() -> None:
        answers.append(await service.submit_jobs(ADMIN, request))

    async with anyio.create_task_group() as tg:
        for _ in range(8):
            tg.start_soon(submit_one)
    assert all(answer == answers[0] for answer in answers)
    assert len(set(answers[0])) == 20
    assert len(await storage.jobs_in_job_set(QUEUE, JOB_SET, list(JobState))) == 20
    assert len(await _kinds(storage)) == 40


async def test_a_lost_race_writes_the_items_nobody_else_wrote(
    service: ArmadaService, storage: MemoryStorage
) -> None:
    await make_queue(service)
    requests = [
        SubmitJobs(QUEUE, JOB_SET, (item("a"), item("b"), item())),
        SubmitJobs(QUEUE, JOB_SET, (item("c"), item("b"), item("d"))),
    ]
    answers: dict[int, list[str]] = {}

    async def submit_one(index: int) -> None:
        answers[index] = await service.submit_jobs(ADMIN, requests[index])

    async with anyio.create_task_group() as tg:
        for index in range(2):
            tg.start_soon(submit_one, index)
    assert answers[0][1] == answers[1][1]  # "b": one job, both answered with it
    assert len(set(answers[0]) | set(answers[1])) == 5
    assert len(await storage.jobs_in_job_set(QUEUE, JOB_SET, list(JobState))) == 5
