"""The `Storage` contract, part 3: runs and executors (issue 11), on every backend."""

from __future__ import annotations

import dataclasses

import pytest
from storage_helpers import make_job, submit_append

from armada_core.errors import Conflict
from armada_core.executors import Executor, NodeSnapshot
from armada_core.jobs import JobChange, JobState
from armada_core.ports import Storage
from armada_core.queues import Queue
from armada_core.runs import Run, RunState

pytestmark = pytest.mark.anyio


def run_of(job_id: str, run_id: str, executor: str = "ex-1") -> Run:
    return Run(run_id, job_id, executor, "node-1", "cpu", 1000, leased_ns=5)


async def _leased(storage: Storage, count: int = 1) -> list[str]:
    await storage.upsert_queue(Queue("q", 1.0))
    jobs = [make_job() for _ in range(count)]
    await storage.write(at_ms=1, jobs=jobs, appends=[submit_append(jobs)])
    return [j.id for j in jobs]


def _lease(job_id: str) -> JobChange:
    return JobChange(job_id, JobState.QUEUED, JobState.LEASED, 7)


async def test_runs_are_stored_with_increasing_serials(storage: Storage) -> None:
    a, b = await _leased(storage, 2)
    await storage.write(at_ms=2, changes=[_lease(b)], runs=[run_of(b, "r-b")])
    await storage.write(at_ms=3, changes=[_lease(a)], runs=[run_of(a, "r-a", "ex-2")])
    runs = await storage.get_runs(["r-a", "r-b", "nope"])
    assert set(runs) == {"r-a", "r-b"}
    assert 0 < runs["r-b"].serial < runs["r-a"].serial
    assert dataclasses.replace(runs["r-a"], serial=0) == run_of(a, "r-a", "ex-2")
    assert [r.id for r in await storage.active_runs()] == ["r-b", "r-a"]
    assert [r.id for r in await storage.active_runs("ex-2")] == ["r-a"]


async def test_a_replaced_run_keeps_its_serial_and_leaves_the_active_list(
    storage: Storage,
) -> None:
    [a] = await _leased(storage)
    await storage.write(at_ms=2, changes=[_lease(a)], runs=[run_of(a, "r1")])
    serial = (await storage.get_runs(["r1"]))["r1"].serial
    ended = dataclasses.replace(run_of(a, "r1"), state=RunState.FAILED, error="boom")
    change = JobChange(a, JobState.LEASED, JobState.FAILED, 8, error="boom")
    await storage.write(at_ms=3, changes=[change], runs=[ended])
    stored = (await storage.get_runs(["r1"]))["r1"]
    assert (stored.serial, stored.state, stored.error) == (serial, RunState.FAILED, "boom")
    assert await storage.active_runs() == []


async def test_runs_of_jobs_in_serial_order(storage: Storage) -> None:
    [a] = await _leased(storage)
    first = dataclasses.replace(run_of(a, "r1"), state=RunState.LEASE_RETURNED)
    await storage.write(at_ms=2, changes=[_lease(a)], runs=[first])
    await storage.write(at_ms=3, runs=[run_of(a, "r2")])
    found = await storage.runs_of_jobs([a, "other"])
    assert list(found) == [a]
    assert [r.id for r in found[a]] == ["r1", "r2"]


async def test_runs_are_written_with_their_job_change_or_not_at_all(storage: Storage) -> None:
    [a] = await _leased(storage)
    stale = JobChange(a, JobState.RUNNING, JobState.SUCCEEDED, 8)
    with pytest.raises(Conflict):
        await storage.write(at_ms=2, changes=[stale], runs=[run_of(a, "r1")])
    assert await storage.get_runs(["r1"]) == {}


async def test_executors_snapshot_round_trips_and_is_replaced(storage: Storage) -> None:
    node = NodeSnapshot(
        "n1",
        total={"cpu": 8 * 10**9},
        non_armada={1000: {"cpu": 10**8}, -1: {"memory": 5}},
        taints=({"key": "gpu", "effect": "NoSchedule"},),
        labels={"kubernetes.io/hostname": "n1"},
        unschedulable=True,
        run_states={"r1": "RUNNING"},
        pool="gpu",
    )
    first = Executor("ex-b", "cpu", 10, (node,), ("r9",))
    await storage.upsert_executor(first)
    await storage.upsert_executor(Executor("ex-a", "cpu", 11))
    assert await storage.list_executors() == [Executor("ex-a", "cpu", 11), first]
    later = dataclasses.replace(first, last_seen_ns=20, nodes=())
    await storage.upsert_executor(later)
    assert (await storage.list_executors())[1] == later


async def test_a_lone_process_is_the_scheduling_leader(storage: Storage) -> None:
    assert await storage.is_scheduling_leader()
    assert await storage.is_scheduling_leader()


async def test_a_jobs_retry_record_is_kept_until_a_change_gives_another(storage: Storage) -> None:
    from armada_core.retry.memory import MemoryRecord
    from armada_core.retry.record import RetryMutations

    [a] = await _leased(storage)
    assert (await storage.get_jobs([a]))[a].retry == RetryMutations()
    grown = RetryMutations(MemoryRecord(factor=1.5), ("node-1", "node-2"))
    await storage.write(at_ms=2, changes=[dataclasses.replace(_lease(a), retry=grown)])
    assert (await storage.get_jobs([a]))[a].retry == grown
    assert [r.retry for r in await storage.jobs_in_queue("q", {JobState.LEASED})] == [grown]
    unchanged = JobChange(a, JobState.LEASED, JobState.QUEUED, 9)
    await storage.write(at_ms=3, changes=[unchanged])
    assert (await storage.get_jobs([a]))[a].retry == grown
    static = RetryMutations(MemoryRecord(static="1Gi"))
    await storage.write(at_ms=4, changes=[dataclasses.replace(_lease(a), retry=static)])
    assert (await storage.get_jobs([a]))[a].retry == static
