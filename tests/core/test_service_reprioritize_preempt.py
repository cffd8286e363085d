"""ReprioritizeJobs, PreemptJobs and PreemptOnQueue (spec §6, decision 8)."""

from __future__ import annotations

import math

import pytest
from core_support import ADMIN, ALICE, BOB, JOB_SET, QUEUE, make_queue, submit

from armada_core.clock import ManualClock
from armada_core.commands import CancelJobs, PreemptJobs, PreemptOnQueue, ReprioritizeJobs
from armada_core.errors import InvalidArgument, NotFound, PermissionDenied
from armada_core.events import Event, EventKind
from armada_core.jobs import JobState
from armada_core.service import ArmadaService
from armada_storage.memory import MemoryStorage

pytestmark = pytest.mark.anyio


async def _setup(service: ArmadaService, count: int = 2) -> list[str]:
    await make_queue(service, user_owners=("alice",))
    return await service.submit_jobs(ADMIN, submit(count))


async def _later_events(storage: MemoryStorage) -> list[Event]:
    events = await storage.read_events(QUEUE, JOB_SET, None, 1000)
    return [e.event for e in events if e.event.kind not in (EventKind.SUBMITTED, EventKind.QUEUED)]


async def test_reprioritize_by_id(service: ArmadaService, storage: MemoryStorage) -> None:
    ids = await _setup(service)
    command = ReprioritizeJobs(QUEUE, JOB_SET, 7.5, (ids[0], "unknown", ids[0]))
    assert await service.reprioritize_jobs(ALICE, command) == {ids[0]: "", "unknown": ""}
    records = await storage.get_jobs(ids)
    assert [records[i].priority for i in ids] == [8, 1]
    assert records[ids[0]].state is JobState.QUEUED
    events = await _later_events(storage)
    assert [(e.job_id, e.kind) for e in events] == [
        (ids[0], EventKind.REPRIORITIZING),
        (ids[0], EventKind.REPRIORITIZED),
    ]
    assert events[0].fields == {"new_priority": 8.0, "requestor": "alice"}


async def test_reprioritize_keeps_the_transition_time(
    service: ArmadaService, storage: MemoryStorage, clock: ManualClock
) -> None:
    ids = await _setup(service, 1)
    before = (await storage.get_jobs(ids))[ids[0]].last_transition_ns
    clock.advance(1_000)
    await service.reprioritize_jobs(ADMIN, ReprioritizeJobs(QUEUE, JOB_SET, 3, tuple(ids)))
    assert (await storage.get_jobs(ids))[ids[0]].last_transition_ns == before


async def test_reprioritize_whole_job_set(service: ArmadaService, storage: MemoryStorage) -> None:
    ids = await _setup(service, 3)
    await service.cancel_jobs(ADMIN, CancelJobs(QUEUE, JOB_SET, (ids[2],)))
    answer = await service.reprioritize_jobs(ADMIN, ReprioritizeJobs(QUEUE, JOB_SET, 2**32 - 1))
    assert answer == {f"all jobs in job set {JOB_SET}": ""}
    records = await storage.get_jobs(ids)
    assert [records[i].priority for i in ids] == [2**32 - 1, 2**32 - 1, 1]
    kinds = [(e.job_id, e.kind) for e in await _later_events(storage)]
    assert kinds[-2:] == [(ids[0], EventKind.REPRIORITIZED), (ids[1], EventKind.REPRIORITIZED)]
    assert EventKind.REPRIORITIZING not in {k for _, k in kinds}


@pytest.mark.parametrize("priority", [-1, 2**32, 1e308, math.inf, -math.inf, math.nan])
async def test_reprioritize_refuses_priorities_out_of_range(
    service: ArmadaService, storage: MemoryStorage, priority: float
) -> None:
    ids = await _setup(service, 1)
    with pytest.raises(InvalidArgument, match=r"^new_priority must be a number from 0 to"):
        await service.reprioritize_jobs(ADMIN, ReprioritizeJobs(QUEUE, JOB_SET, priority))
    assert (await storage.get_jobs(ids))[ids[0]].priority == 1


async def test_reprioritize_errors(service: ArmadaService) -> None:
    command = ReprioritizeJobs(QUEUE, JOB_SET, 1)
    with pytest.raises(NotFound):
        await service.reprioritize_jobs(ADMIN, command)
    await make_queue(service)
    with pytest.raises(PermissionDenied, match="reprioritize_any_jobs"):
        await service.reprioritize_jobs(BOB, command)
    with pytest.raises(InvalidArgument, match="jobset cannot be empty"):
        await service.reprioritize_jobs(ADMIN, ReprioritizeJobs(QUEUE, "", 1))


async def test_preempt_records_the_request(service: ArmadaService, storage: MemoryStorage) -> None:
    ids = await _setup(service)
    command = PreemptJobs(QUEUE, JOB_SET, (ids[1], "nope"), reason="room")
    assert await service.preempt_jobs(ALICE, command) == {ids[1]: "", "nope": ""}
    events = await _later_events(storage)
    assert [(e.job_id, e.kind, dict(e.fields)) for e in events] == [
        (ids[1], EventKind.PREEMPTING, {"requestor": "alice", "reason": "room"})
    ]
    assert {r.state for r in (await storage.get_jobs(ids)).values()} == {JobState.QUEUED}


async def test_preempt_of_finished_or_unknown_jobs_writes_nothing(
    service: ArmadaService, storage: MemoryStorage
) -> None:
    ids = await _setup(service, 1)
    await service.cancel_jobs(ADMIN, CancelJobs(QUEUE, JOB_SET, tuple(ids)))
    before = await _later_events(storage)
    await service.preempt_jobs(ADMIN, PreemptJobs(QUEUE, JOB_SET, (*ids, "x")))
    assert await _later_events(storage) == before


async def test_preempt_errors(service: ArmadaService) -> None:
    with pytest.raises(NotFound):
        await service.preempt_jobs(ADMIN, PreemptJobs(QUEUE, JOB_SET, ("a",)))
    await make_queue(service)
    with pytest.raises(PermissionDenied, match="preempt_any_jobs"):
        await service.preempt_jobs(BOB, PreemptJobs(QUEUE, JOB_SET, ("a",)))
    with pytest.raises(InvalidArgument, match="Reason"):
        await service.preempt_jobs(ADMIN, PreemptJobs(QUEUE, JOB_SET, ("a",), "r" * 51))
    with pytest.raises(InvalidArgument, match="queue cannot be empty"):
        await service.preempt_jobs(ADMIN, PreemptJobs("", JOB_SET, ("a",)))


async def test_preempt_on_queue_validates_only(
    service: ArmadaService, storage: MemoryStorage
) -> None:
    ids = await _setup(service, 1)
    with pytest.raises(PermissionDenied, match="preempt_any_jobs"):
        await service.preempt_on_queue(ALICE, PreemptOnQueue(QUEUE))
    with pytest.raises(InvalidArgument):
        await service.preempt_on_queue(ADMIN, PreemptOnQueue(""))
    with pytest.raises(NotFound):
        await service.preempt_on_queue(ADMIN, PreemptOnQueue("missing"))
    await service.preempt_on_queue(ADMIN, PreemptOnQueue(QUEUE, ("armada-default",)))
    assert await _later_events(storage) == []
    assert (await storage.get_jobs(ids))[ids[0]].state is JobState.QUEUED
