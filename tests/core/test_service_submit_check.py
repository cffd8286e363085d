"""The submit check: a job no known node could ever run is rejected in its own write."""

from __future__ import annotations

import pytest
from core_support import ADMIN, JOB_SET, QUEUE, make_queue
from lease_support import cpu_item, kinds, lease, node, submit_cpu

from armada_core.clock import ManualClock
from armada_core.commands import JobSubmitItem, SubmitJobs
from armada_core.execution import LeaseCall
from armada_core.executors import Executor, NodeSnapshot
from armada_core.jobs import JobState
from armada_core.service import ArmadaService
from armada_core.state_machine import FailureCause
from armada_storage.memory import MemoryStorage

pytestmark = pytest.mark.anyio


async def _failed_fields(storage: MemoryStorage, job_id: str) -> dict[str, object]:
    events = await storage.read_events(QUEUE, JOB_SET, None, 100)
    [failed] = [
        e.event for e in events if e.event.job_id == job_id and e.event.kind.value == "failed"
    ]
    return dict(failed.fields)


async def test_without_executors_every_job_is_accepted(service: ArmadaService) -> None:
    await make_queue(service)
    [job_id] = await service.submit_jobs(ADMIN, submit_cpu(cpu="500"))
    assert (await service.job_status(ADMIN, [job_id]))[job_id] is JobState.QUEUED


async def test_a_job_bigger_than_every_node_is_rejected_with_the_resource(
    service: ArmadaService, storage: MemoryStorage
) -> None:
    await make_queue(service)
    await lease(service, node("n1", cpu="8"), node("n2", cpu="4"), max_jobs=0)
    big, small = await service.submit_jobs(
        ADMIN, SubmitJobs(QUEUE, JOB_SET, (cpu_item("16"), cpu_item("8")))
    )
    states = await service.job_status(ADMIN, [big, small])
    assert states == {big: JobState.REJECTED, small: JobState.QUEUED}
    assert await kinds(storage, big) == ["submitted", "queued", "failed"]
    fields = await _failed_fields(storage, big)
    assert fields["cause"] == FailureCause.REJECTED
    assert "requests more than any node has: cpu 16" in str(fields["reason"])
    assert (fields["failure_category"], fields["failure_subcategory"]) == (
        "internal",
        "job-rejected",
    )
    assert "cpu 16" in (await service.job_errors(ADMIN, [big]))[big]


async def test_a_node_selector_no_node_satisfies_is_rejected(service: ArmadaService) -> None:
    await make_queue(service)
    await lease(service, node("n1"), max_jobs=0)
    spec = {**cpu_item().pod_spec, "nodeSelector": {"disk": "nvme"}}
    fits = {**cpu_item().pod_spec, "nodeSelector": {"kubernetes.io/hostname": "n1"}}
    items = (
        JobSubmitItem(namespace="ns", pod_spec=spec),
        JobSubmitItem(namespace="ns", pod_spec=fits),
    )
    nowhere, pinned = await service.submit_jobs(ADMIN, SubmitJobs(QUEUE, JOB_SET, items))
    states = await service.job_status(ADMIN, [nowhere, pinned])
    assert states == {nowhere: JobState.REJECTED, pinned: JobState.QUEUED}
    assert "1 node selector" in (await service.job_errors(ADMIN, [nowhere]))[nowhere]


async def test_a_job_needing_every_resource_of_no_single_node_is_rejected(
    service: ArmadaService,
) -> None:
    await make_queue(service)
    lots_of_cpu = NodeSnapshot("cpu", total={"cpu": 16 * 10**9, "memory": 2**30 * 10**9})
    lots_of_memory = NodeSnapshot("mem", total={"cpu": 10**9, "memory": 64 * 2**30 * 10**9})
    await service.lease_job_runs(ADMIN, _call(lots_of_cpu, lots_of_memory))
    spec = cpu_item("4").pod_spec
    resources = {"cpu": "4", "memory": "4Gi"}
    spec["containers"][0]["resources"] = {"requests": resources, "limits": resources}
    [job_id] = await service.submit_jobs(
        ADMIN, SubmitJobs(QUEUE, JOB_SET, (JobSubmitItem(namespace="ns", pod_spec=spec),))
    )
    assert (await service.job_status(ADMIN, [job_id]))[job_id] is JobState.REJECTED


async def test_cordoned_busy_or_unschedulable_nodes_still_count(
    service: ArmadaService,
) -> None:
    """Only the shape of a node matters: full, cordoned or unschedulable, it may free up."""
    await make_queue(service)
    full = NodeSnapshot(
        "n1",
        total={"cpu": 8 * 10**9, "memory": 32 * 2**30 * 10**9},
        non_armada={0: {"cpu": 8 * 10**9}},
        unschedulable=True,
    )
    await service.lease_job_runs(ADMIN, _call(full))
    await service.upsert_executor_settings(ADMIN, "cluster-1", True, "maintenance")
    [job_id] = await service.submit_jobs(ADMIN, submit_cpu(cpu="8"))
    assert (await service.job_status(ADMIN, [job_id]))[job_id] is JobState.QUEUED


async def test_a_new_node_shape_is_seen_by_the_next_submit(service: ArmadaService) -> None:
    await make_queue(service)
    await lease(service, node("n1", cpu="2"), max_jobs=0)
    [first] = await service.submit_jobs(ADMIN, submit_cpu(cpu="4"))
    await lease(service, node("n1", cpu="8"), max_jobs=0)
    [second] = await service.submit_jobs(ADMIN, submit_cpu(cpu="4"))
    states = await service.job_status(ADMIN, [first, second])
    assert states == {first: JobState.REJECTED, second: JobState.QUEUED}


async def test_another_processs_executor_is_seen_within_the_refresh(
    service: ArmadaService, storage: MemoryStorage, clock: ManualClock
) -> None:
    await make_queue(service)
    await lease(service, node("n1", cpu="2"), max_jobs=0)
    [first] = await service.submit_jobs(ADMIN, submit_cpu(cpu="4"))
    # Written behind this service's back, as another server process would.
    await storage.upsert_executor(Executor("other", "default", clock.now_ns(), (node("n9"),)))
    [second] = await service.submit_jobs(ADMIN, submit_cpu(cpu="4"))
    clock.advance(2 * 10**9)
    [third] = await service.submit_jobs(ADMIN, submit_cpu(cpu="4"))
    states = await service.job_status(ADMIN, [first, second, third])
    assert states[first] is JobState.REJECTED and states[third] is JobState.QUEUED
    assert states[second] is JobState.REJECTED  # memoised until the refresh


def _call(*nodes: NodeSnapshot) -> LeaseCall:
    return LeaseCall(Executor("cluster-1", "default", 0, nodes), 0)


async def test_the_gang_mates_of_a_refused_member_are_refused_with_it(
    service: ArmadaService,
) -> None:
    await make_queue(service)
    await lease(service, node("n1", cpu="8"), max_jobs=0)
    gang = {"armadaproject.io/gangId": "g1", "armadaproject.io/gangCardinality": "2"}
    big, small = cpu_item("16"), cpu_item("1")
    members = tuple(
        JobSubmitItem(namespace="ns", pod_spec=i.pod_spec, annotations=gang) for i in (big, small)
    )
    alone = cpu_item("1")
    ids = await service.submit_jobs(ADMIN, SubmitJobs(QUEUE, JOB_SET, (*members, alone)))
    states = await service.job_status(ADMIN, ids)
    assert [states[i] for i in ids] == [JobState.REJECTED, JobState.REJECTED, JobState.QUEUED]
    error = (await service.job_errors(ADMIN, [ids[1]]))[ids[1]]
    assert "a member of its gang g1 cannot run: " in error and "cpu 16" in error


async def test_nodes_reporting_no_resources_only_check_selectors(
    service: ArmadaService,
) -> None:
    await make_queue(service)
    bare = NodeSnapshot("bare", labels={"disk": "ssd"})
    await service.lease_job_runs(ADMIN, _call(bare))
    [any_size] = await service.submit_jobs(ADMIN, submit_cpu(cpu="64"))
    spec = {**cpu_item().pod_spec, "nodeSelector": {"disk": "nvme"}}
    [nowhere] = await service.submit_jobs(
        ADMIN, SubmitJobs(QUEUE, JOB_SET, (JobSubmitItem(namespace="ns", pod_spec=spec),))
    )
    states = await service.job_status(ADMIN, [any_size, nowhere])
    assert states == {any_size: JobState.QUEUED, nowhere: JobState.REJECTED}
