"""Property: whatever the clients do, the log replays into the stored job states.

Random sequences of submits, cancels, reprioritisations and preemptions run
against a fresh service; afterwards, each job's events read from the log, fed
through the state machine from NEW, must be legal and end in the stored state.
"""

from __future__ import annotations

from dataclasses import dataclass

import anyio
from core_support import ADMIN, QUEUE, CountingIds, admin_permissions, make_queue, submit
from hypothesis import given, settings
from hypothesis import strategies as st

from armada_core.clock import ManualClock
from armada_core.commands import (
    CancelJobs,
    CancelJobSet,
    PreemptJobs,
    ReprioritizeJobs,
    WatchJobSet,
)
from armada_core.config import ServiceConfig
from armada_core.events import EventKind
from armada_core.jobs import JobState
from armada_core.service import ArmadaService
from armada_core.state_machine import NEW, apply
from armada_storage.memory import MemoryStorage

JOB_SETS = ("a", "b")


@dataclass(frozen=True)
class Op:
    kind: str  # submit, cancel, cancel_set, reprioritize, reprioritize_set, preempt
    job_set: str
    picks: tuple[int, ...] = ()  # indexes into the jobs submitted so far
    count: int = 1


_OPS = st.builds(
    Op,
    kind=st.sampled_from(
        ["submit", "cancel", "cancel_set", "reprioritize", "reprioritize_set", "preempt"]
    ),
    job_set=st.sampled_from(JOB_SETS),
    picks=st.lists(st.integers(0, 20), max_size=4).map(tuple),
    count=st.integers(1, 3),
)


async def _run(service: ArmadaService, clock: ManualClock, op: Op, known: list[str]) -> None:
    chosen = tuple(known[i % len(known)] for i in op.picks) if known else ()
    js = op.job_set
    if op.kind == "submit":
        known += await service.submit_jobs(ADMIN, submit(op.count, job_set=js))
    elif op.kind == "cancel":
        await service.cancel_jobs(ADMIN, CancelJobs(QUEUE, js, chosen))
    elif op.kind == "cancel_set":
        await service.cancel_job_set(ADMIN, CancelJobSet(QUEUE, js))
    elif op.kind == "reprioritize":
        await service.reprioritize_jobs(ADMIN, ReprioritizeJobs(QUEUE, js, op.count, chosen))
    elif op.kind == "reprioritize_set":
        await service.reprioritize_jobs(ADMIN, ReprioritizeJobs(QUEUE, js, op.count))
    else:
        await service.preempt_jobs(ADMIN, PreemptJobs(QUEUE, js, chosen))
    clock.advance(op.count * 1_000)


async def _scenario(ops: list[Op]) -> None:
    storage, clock = MemoryStorage(), ManualClock()
    config = ServiceConfig(permissions=admin_permissions(), event_batch_size=4)
    service = ArmadaService(storage, config=config, clock=clock, ids=CountingIds())
    await make_queue(service)
    known: list[str] = []
    for op in ops:
        await _run(service, clock, op, known)
    replayed: dict[str, JobState] = {}
    kinds: dict[str, list[EventKind]] = {}
    for js in JOB_SETS:
        stream = await service.job_set_events(ADMIN, WatchJobSet(QUEUE, js))
        async for stored in stream:
            event = stored.event
            state = replayed.get(event.job_id, NEW)
            replayed[event.job_id] = apply(state, event.kind, event.fields)
            kinds.setdefault(event.job_id, []).append(event.kind)
    records = await storage.get_jobs(known)
    assert replayed == {job_id: r.state for job_id, r in records.items()}
    for job_kinds in kinds.values():
        assert job_kinds[:2] == [EventKind.SUBMITTED, EventKind.QUEUED]
        if EventKind.CANCELLED in job_kinds:
            assert job_kinds[-2:] == [EventKind.CANCELLING, EventKind.CANCELLED]


@settings(max_examples=60, deadline=None)
@given(st.lists(_OPS, max_size=15))
def test_log_replays_into_stored_states(ops: list[Op]) -> None:
    anyio.run(_scenario, ops)
