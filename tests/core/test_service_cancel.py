"""CancelJobs, CancelJobSet, CancelOnQueue (spec §6, decisions 1, 7, 8)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from core_support import ADMIN, ALICE, BOB, JOB_SET, QUEUE, item, make_queue, submit

from armada_core.clock import ManualClock
from armada_core.commands import CancelJobs, CancelJobSet, CancelOnQueue, SubmitJobs
from armada_core.errors import Conflict, InvalidArgument, NotFound, PermissionDenied
from armada_core.events import EventId, EventKind, StoredEvent
from armada_core.jobs import JobChange, JobState
from armada_core.principal import Principal
from armada_core.queues import QueuePermission, Subject
from armada_core.service import ArmadaService
from armada_storage.memory import MemoryStorage

pytestmark = pytest.mark.anyio

C, X = EventKind.CANCELLING, EventKind.CANCELLED


async def _setup(service: ArmadaService, count: int = 2, job_set: str = JOB_SET) -> list[str]:
    await make_queue(service)
    return await service.submit_jobs(ADMIN, submit(count, job_set=job_set))


async def _events_after_submit(storage: MemoryStorage, job_set: str = JOB_SET) -> list[StoredEvent]:
    events = await storage.read_events(QUEUE, job_set, None, 1000)
    return [e for e in events if e.event.kind not in (EventKind.SUBMITTED, EventKind.QUEUED)]


async def _set_state(storage: MemoryStorage, job_id: str, state: JobState, at: int) -> None:
    """Pretend an executor moved the job on (no executor exists yet)."""
    await storage.write(at_ms=at, changes=[JobChange(job_id, JobState.QUEUED, state, at)])


async def test_cancel_by_id_cancels_at_once(
    service: ArmadaService, storage: MemoryStorage, clock: ManualClock
) -> None:
    ids = await _setup(service)
    clock.advance(5_000_000)
    answer = await service.cancel_jobs(ADMIN, CancelJobs(QUEUE, JOB_SET, (ids[0],), "enough"))
    assert answer == [ids[0]]
    record = (await storage.get_jobs([ids[0]]))[ids[0]]
    assert record.state is JobState.CANCELLED
    assert (record.cancel_ns, record.cancel_reason, record.cancel_user) == (
        clock.now_ns(),
        "enough",
        "root",
    )
    assert record.last_transition_ns == clock.now_ns()
    assert (await storage.get_jobs([ids[1]]))[ids[1]].state is JobState.QUEUED
    events = await _events_after_submit(storage)
    assert [(e.event.job_id, e.event.kind) for e in events] == [(ids[0], C), (ids[0], X)]
    for e in events:
        assert e.event.fields == {"requestor": "root"}  # no reason in events (§7.1)
        assert e.event.created_ns == clock.now_ns()


async def test_cancel_echoes_requested_ids_deduplicated(
    service: ArmadaService, storage: MemoryStorage
) -> None:
    ids = await _setup(service)
    requested = (ids[1], "unknown", ids[1], ids[0])
    answer = await service.cancel_jobs(ADMIN, CancelJobs(QUEUE, JOB_SET, requested))
    assert answer == [ids[1], "unknown", ids[0]]
    events = await _events_after_submit(storage)
    assert [(e.event.job_id, e.event.kind) for e in events] == [
        (ids[1], C),
        (ids[1], X),
        (ids[0], C),
        (ids[0], X),
    ]


async def test_cancel_ignores_jobs_of_other_sets_and_finished_jobs(
    service: ArmadaService, storage: MemoryStorage
) -> None:
    ids = await _setup(service, 1)
    other = await service.submit_jobs(ADMIN, submit(1, job_set="other"))
    await service.cancel_jobs(ADMIN, CancelJobs(QUEUE, JOB_SET, (ids[0],)))
    answer = await service.cancel_jobs(ADMIN, CancelJobs(QUEUE, JOB_SET, (ids[0], other[0])))
    assert answer == [ids[0], other[0]]
    assert (await storage.get_jobs(other))[other[0]].state is JobState.QUEUED
    assert len(await _events_after_submit(storage)) == 2  # only the first cancel wrote


async def test_cancel_without_ids_cancels_the_job_set(
    service: ArmadaService, storage: MemoryStorage
) -> None:
    ids = await _setup(service)
    assert await service.cancel_jobs(ADMIN, CancelJobs(QUEUE, JOB_SET)) == [""]
    records = await storage.get_jobs(ids)
    assert {r.state for r in records.values()} == {JobState.CANCELLED}


async def test_cancelling_a_running_job_cancels_it_at_once(
    service: ArmadaService, storage: MemoryStorage, clock: ManualClock
) -> None:
    # The run (if any) ends in the same write; its executor learns by CancelRuns.
    ids = await _setup(service, 1)
    await _set_state(storage, ids[0], JobState.RUNNING, clock.now_ns() + 1)
    await service.cancel_jobs(ADMIN, CancelJobs(QUEUE, JOB_SET, tuple(ids), "stop"))
    record = (await storage.get_jobs(ids))[ids[0]]
    assert (record.state, record.cancel_reason, record.cancel_user) == (
        JobState.CANCELLED,
        "stop",
        "root",
    )
    assert [e.event.kind for e in await _events_after_submit(storage)] == [C, X]


async def _cancel(
    service: ArmadaService, principal: Principal, command: CancelJobs | CancelJobSet
) -> None:
    if isinstance(command, CancelJobs):
        await service.cancel_jobs(principal, command)
    else:
        await service.cancel_job_set(principal, command)


@pytest.mark.parametrize(
    "command", [CancelJobs(QUEUE, JOB_SET, ("x",)), CancelJobSet(QUEUE, JOB_SET)]
)
async def test_cancel_errors(service: ArmadaService, command: CancelJobs | CancelJobSet) -> None:
    with pytest.raises(NotFound, match='could not find queue "q"'):
        await _cancel(service, ADMIN, command)
    await make_queue(service)
    with pytest.raises(PermissionDenied, match="cancel_any_jobs"):
        await _cancel(service, BOB, command)
    await _cancel(service, ADMIN, dataclasses.replace(command, reason="é" * 25))  # 50 bytes
    with pytest.raises(InvalidArgument, match='field "Reason"'):
        await _cancel(service, ADMIN, dataclasses.replace(command, reason="é" * 26))
    with pytest.raises(InvalidArgument, match='"Queue": queue cannot be empty'):
        await _cancel(service, ADMIN, dataclasses.replace(command, queue=""))
    with pytest.raises(InvalidArgument, match='"JobSetId": jobset cannot be empty'):
        await _cancel(service, ADMIN, dataclasses.replace(command, job_set_id=""))


async def test_cancel_by_queue_verb(service: ArmadaService) -> None:
    verb = QueuePermission((Subject("User", "alice"),), ("cancel",))
    await make_queue(service, permissions=(verb,))
    ids = await service.submit_jobs(ADMIN, submit())
    assert await service.cancel_jobs(ALICE, CancelJobs(QUEUE, JOB_SET, tuple(ids))) == ids


async def test_cancel_checks_reason_before_queue(service: ArmadaService) -> None:
    with pytest.raises(InvalidArgument):
        await service.cancel_jobs(ADMIN, CancelJobs("missing", JOB_SET, reason="x" * 60))


async def test_cancel_job_set_filter_is_exact(
    service: ArmadaService, storage: MemoryStorage, clock: ManualClock
) -> None:
    ids = await _setup(service, 3)
    await _set_state(storage, ids[0], JobState.LEASED, clock.now_ns() + 1)
    await _set_state(storage, ids[1], JobState.RUNNING, clock.now_ns() + 1)
    command = CancelJobSet(QUEUE, JOB_SET, frozenset({JobState.RUNNING, JobState.QUEUED}))
    await service.cancel_job_set(ADMIN, command)
    events = await _events_after_submit(storage)
    assert [(e.event.job_id, e.event.kind) for e in events] == [
        (ids[1], C),
        (ids[1], X),
        (ids[2], C),
        (ids[2], X),
    ]
    states = {i: r.state for i, r in (await storage.get_jobs(ids)).items()}
    assert states == {
        ids[0]: JobState.LEASED,
        ids[1]: JobState.CANCELLED,
        ids[2]: JobState.CANCELLED,
    }


async def test_cancel_job_set_refuses_terminal_states(service: ArmadaService) -> None:
    await make_queue(service)
    command = CancelJobSet(QUEUE, JOB_SET, frozenset({JobState.QUEUED, JobState.SUCCEEDED}))
    with pytest.raises(InvalidArgument, match="SUCCEEDED"):
        await service.cancel_job_set(ADMIN, command)


async def test_cancel_job_set_running_and_pending_only_is_accepted(
    service: ArmadaService, storage: MemoryStorage
) -> None:
    """The Python integration test's call: nothing is running, nothing changes."""
    ids = await _setup(service)
    filt = frozenset({JobState.RUNNING, JobState.PENDING})
    await service.cancel_job_set(ADMIN, CancelJobSet(QUEUE, JOB_SET, filt))
    assert {r.state for r in (await storage.get_jobs(ids)).values()} == {JobState.QUEUED}


async def test_cancel_on_queue(service: ArmadaService, storage: MemoryStorage) -> None:
    await make_queue(service)
    items = (item(priority_class="armada-preemptible"), item(), item())
    ids = await service.submit_jobs(ADMIN, SubmitJobs(QUEUE, "a", items))
    ids += await service.submit_jobs(
        ADMIN, SubmitJobs(QUEUE, "b", (item(priority_class="armada-preemptible"),))
    )
    command = CancelOnQueue(QUEUE, priority_classes=("armada-preemptible",))
    await service.cancel_on_queue(ADMIN, command)
    states = {i: r.state for i, r in (await storage.get_jobs(ids)).items()}
    assert [states[i] for i in ids] == [
        JobState.CANCELLED,
        JobState.QUEUED,
        JobState.QUEUED,
        JobState.CANCELLED,
    ]
    assert [e.event.kind for e in await _events_after_submit(storage, "b")] == [C, X]
    await service.cancel_on_queue(ADMIN, CancelOnQueue(QUEUE, job_states=(JobState.QUEUED,)))
    assert {r.state for r in (await storage.get_jobs(ids)).values()} == {JobState.CANCELLED}


async def test_cancel_on_queue_errors(service: ArmadaService) -> None:
    await make_queue(service, user_owners=("alice",))
    # Owning the queue is not enough: only the global permission counts.
    with pytest.raises(PermissionDenied, match="cancel_any_jobs"):
        await service.cancel_on_queue(ALICE, CancelOnQueue(QUEUE))
    with pytest.raises(InvalidArgument):
        await service.cancel_on_queue(ADMIN, CancelOnQueue(""))
    with pytest.raises(InvalidArgument, match="non-terminal"):
        await service.cancel_on_queue(ADMIN, CancelOnQueue(QUEUE, job_states=(JobState.FAILED,)))
    with pytest.raises(NotFound):
        await service.cancel_on_queue(ADMIN, CancelOnQueue("missing"))


async def test_cancel_retries_after_a_conflict(
    service: ArmadaService,
    storage: MemoryStorage,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A job that moves on between the read and the write is re-read, not lost."""
    ids = await _setup(service, 1)
    real_write = storage.write
    calls = 0

    async def racing_write(**kwargs: Any) -> list[EventId]:
        nonlocal calls
        calls += 1
        if calls == 1:  # an executor leases the job just before our write
            lease = JobChange(ids[0], JobState.QUEUED, JobState.LEASED, clock.now_ns())
            await real_write(at_ms=1, changes=[lease])
        return await real_write(**kwargs)

    monkeypatch.setattr(storage, "write", racing_write)
    await service.cancel_jobs(ADMIN, CancelJobs(QUEUE, JOB_SET, tuple(ids)))
    monkeypatch.undo()
    record = (await storage.get_jobs(ids))[ids[0]]
    assert (record.state, record.cancel_user) == (JobState.CANCELLED, "root")
    assert [e.event.kind for e in await _events_after_submit(storage)] == [C, X]


async def test_conflict_is_reported_after_the_configured_attempts(
    service: ArmadaService, storage: MemoryStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = await _setup(service, 1)
    attempts = 0

    async def losing_write(**kwargs: Any) -> list[EventId]:
        nonlocal attempts
        attempts += 1
        raise Conflict("someone else won")

    monkeypatch.setattr(storage, "write", losing_write)
    with pytest.raises(Conflict):
        await service.cancel_jobs(ADMIN, CancelJobs(QUEUE, JOB_SET, tuple(ids)))
    assert attempts == service.config.conflict_retries
