"""Scheduler reports through the service: what a pass keeps, why jobs wait (a resource
no node has, a queue above its fair share, over its limit, cordoned), idle passes,
and what a process that is not the leader answers."""

from __future__ import annotations

import pytest
from core_support import ADMIN, make_queue
from lease_support import cpu_item, lease, node

from armada_core._usecases.scheduler_reports import NO_LEADER
from armada_core.clock import ManualClock
from armada_core.commands import SubmitJobs
from armada_core.config import ServiceConfig
from armada_core.errors import InvalidArgument, Unavailable
from armada_core.queues import PriorityClassResourceLimits
from armada_core.service import ArmadaService
from armada_storage.feed import LocalChangeFeed
from armada_storage.memory import MemoryStorage

pytestmark = pytest.mark.anyio


@pytest.fixture
def service(storage: MemoryStorage, config: ServiceConfig, clock: ManualClock) -> ArmadaService:
    return ArmadaService(storage, config=config, clock=clock)  # ULIDs: job reports check them


async def submit(service: ArmadaService, queue: str, *cpus: str) -> list[str]:
    command = SubmitJobs(queue, "js", tuple(cpu_item(cpu) for cpu in cpus))
    return await service.submit_jobs(ADMIN, command)


async def test_a_job_too_big_for_any_node_says_which_resource(service: ArmadaService) -> None:
    await make_queue(service)
    big, small = await submit(service, "q", "64", "1")
    await lease(service, node("node-1", "8"), node("node-2", "16"))
    report = await service.job_report(ADMIN, big)
    assert "UnschedulableReason: job does not fit on any node: requests more than any node" in (
        report
    )
    assert "   1: pod requires 64 cpu, but only 16 is available\n" in report
    assert "   1: pod requires 64 cpu, but only 7 is available\n" in report  # small on node-1
    placed = await service.job_report(ADMIN, small)
    assert "  UnschedulableReason: none\n" in placed
    assert "  Node:                       cluster-1/node-1\n" in placed
    reason = await service.pending_reason(ADMIN, big)
    assert reason == "job does not fit on any node: requests more than any node has: cpu 64"
    assert await service.pending_reason(ADMIN, small) == ""


async def test_a_queue_above_its_fair_share_says_so(service: ArmadaService) -> None:
    await make_queue(service, "a")
    await make_queue(service, "b")
    first, second = await submit(service, "a", "4", "4")
    await lease(service, node("node-1", "4"))  # a's first job takes the whole node
    (waiting,) = await submit(service, "b", "4")
    await lease(service, node("node-1", "4"))
    above = await service.pending_reason(ADMIN, second)
    assert above == (
        "job does not fit on any node: no node has enough free cpu; queue a holds 100% of "
        "the pool, above its fair share of 50%, so nothing is preempted for it"
    )
    below = await service.pending_reason(ADMIN, waiting)
    assert below == "job does not fit on any node: no node has enough free cpu"
    queue_report = await service.queue_report(ADMIN, " a ", 0)
    assert f"   1: {above} (e.g., {second})" in queue_report
    assert first not in queue_report  # leased in an earlier round


async def test_a_queue_over_its_limit_or_cordoned_says_so(service: ArmadaService) -> None:
    half = PriorityClassResourceLimits({"cpu": 0.5})
    await make_queue(
        service, "limited", resource_limits_by_priority_class_name={"armada-default": half}
    )
    await make_queue(service, "paused", cordoned=True)
    _, over = await submit(service, "limited", "6", "6")  # 12 of 16 cpu > half
    (paused,) = await submit(service, "paused", "1")
    await lease(service, node("node-1", "16"))
    assert (await service.pending_reason(ADMIN, over)).startswith(
        "resource limit exceeded: queue limited would exceed its resource limit"
    )
    report = await service.job_report(ADMIN, paused)
    assert report.endswith("  UnschedulableReason: queue cordoned: the queue is cordoned\n")


async def test_a_pass_with_nothing_queued_forgets_the_jobs(service: ArmadaService) -> None:
    await make_queue(service)
    (job,) = await submit(service, "q", "1")
    await lease(service, node("node-1", "8"))
    assert "UnschedulableReason: none" in await service.job_report(ADMIN, job)
    await lease(service, node("node-1", "8"))
    assert await service.job_report(ADMIN, job) == (
        f"default:\n Most recent scheduling round that affected job {job}: none\n"
    )
    report = await service.scheduling_report(ADMIN, 0)
    assert "  Total capacity:            (cpu=8,memory=34359738368)\n" in report
    assert "  Number of jobs scheduled:  0\n" in report


async def test_before_any_pass_reports_are_empty(service: ArmadaService) -> None:
    assert await service.scheduling_report(ADMIN, 3) == ""
    assert await service.queue_report(ADMIN, "q", 0) == ""
    assert await service.job_report(ADMIN, "01hx8y0j4d6vj4w1d0rq5m2c7k") == ""


async def test_job_ids_and_queue_names_are_checked(service: ArmadaService) -> None:
    for bad in ("short", "8" * 26, " " + "x" * 300):
        with pytest.raises(InvalidArgument, match="is not a valid jobId"):
            await service.job_report(ADMIN, bad)
    with pytest.raises(InvalidArgument, match="queue name is too long"):
        await service.queue_report(ADMIN, "q" * 1000, 0)


class Follower(MemoryStorage):
    """Another process holds the scheduling leadership."""

    async def is_scheduling_leader(self) -> bool:
        return False


async def test_a_process_that_is_not_the_leader_says_so(config: ServiceConfig) -> None:
    service = ArmadaService(Follower(changes=LocalChangeFeed()), config=config)
    await service.schedule()
    with pytest.raises(Unavailable, match=f"^{NO_LEADER}: this server is not the scheduling"):
        await service.scheduling_report(ADMIN, 0)
    with pytest.raises(Unavailable):
        await service.job_report(ADMIN, "01hx8y0j4d6vj4w1d0rq5m2c7k")
    assert await service.pending_reason(ADMIN, "01hx8y0j4d6vj4w1d0rq5m2c7k") == ""
