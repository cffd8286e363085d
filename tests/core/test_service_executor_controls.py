"""api.Executor and api.Node use cases: settings, cordon, cancel/preempt on executor/node."""

from __future__ import annotations

import pytest
from core_support import ADMIN, ALICE, JOB_SET, QUEUE, make_queue
from lease_support import EXECUTOR, cpu_item, node

from armada_core.commands import OnExecutor, OnNode, SubmitJobs
from armada_core.errors import InvalidArgument, PermissionDenied
from armada_core.execution import LeaseCall
from armada_core.executors import Executor, ExecutorSettings, NodeSnapshot
from armada_core.jobs import JobState
from armada_core.service import ArmadaService
from armada_storage.memory import MemoryStorage

pytestmark = pytest.mark.anyio


def _executor(name: str, *nodes: NodeSnapshot, pool: str = "default") -> LeaseCall:
    return LeaseCall(Executor(name, pool, 0, nodes), 100)


async def _spread(service: ArmadaService) -> dict[str, tuple[str, str, str]]:
    """Jobs of queues q and other on two nodes of cluster-1 and one of cluster-2:
    job id → (queue, executor, node)."""
    await make_queue(service)
    await make_queue(service, "other")
    for queue in (QUEUE, "other"):
        items = tuple(cpu_item("1") for _ in range(3))
        await service.submit_jobs(ADMIN, SubmitJobs(queue, JOB_SET, items))
    where: dict[str, tuple[str, str, str]] = {}
    one_cpu = (node("n1", cpu="2"), node("n2", cpu="2"))
    for call in (_executor(EXECUTOR, *one_cpu), _executor("cluster-2", node("m1", cpu="2"))):
        answer = await service.lease_job_runs(ADMIN, call)
        for granted in answer.leases:
            job = granted.record.job
            where[job.id] = (job.queue, granted.run.executor, granted.run.node)
    assert len(where) == 6
    return where


async def _states(service: ArmadaService, job_ids: list[str]) -> dict[str, JobState]:
    return await service.job_status(ADMIN, job_ids)


async def test_cancel_on_executor_ends_exactly_its_jobs_of_the_queues(
    service: ArmadaService, storage: MemoryStorage
) -> None:
    where = await _spread(service)
    await service.cancel_on_executor(ADMIN, OnExecutor(EXECUTOR, queues=(QUEUE,)))
    states = await _states(service, list(where))
    for job_id, (queue, executor, _) in where.items():
        hit = queue == QUEUE and executor == EXECUTOR
        assert (states[job_id] is JobState.CANCELLED) is hit, (job_id, where[job_id])
    ended = [j for j, (q, e, _) in where.items() if q == QUEUE and e == EXECUTOR]
    assert ended
    record = (await storage.get_jobs([ended[0]]))[ended[0]]
    assert (record.cancel_reason, record.cancel_user) == ("cancelled by CancelOnExecutor", "root")
    # The executor is told on its next lease call.
    runs = await storage.runs_of_jobs(ended)
    reported = {r[-1].node: {r[-1].id: "RUNNING"} for r in runs.values()}
    nodes = tuple(node(n, cpu="2", runs=reported.get(n, {})) for n in ("n1", "n2"))
    answer = await service.lease_job_runs(ADMIN, _executor(EXECUTOR, *nodes))
    assert set(answer.cancel_run_ids) == {r[-1].id for r in runs.values()}


async def test_cancel_on_node_ends_only_that_nodes_jobs(service: ArmadaService) -> None:
    where = await _spread(service)
    await service.cancel_on_node(ADMIN, OnNode("n1", EXECUTOR))
    states = await _states(service, list(where))
    for job_id, (_, executor, name) in where.items():
        hit = executor == EXECUTOR and name == "n1"
        assert (states[job_id] is JobState.CANCELLED) is hit


async def test_preempt_on_executor_by_pool_and_on_node(
    service: ArmadaService, storage: MemoryStorage
) -> None:
    where = await _spread(service)
    await service.preempt_on_executor(ADMIN, OnExecutor("cluster-2", pools=("elsewhere",)))
    assert set((await _states(service, list(where))).values()) == {JobState.LEASED}
    await service.preempt_on_executor(ADMIN, OnExecutor("cluster-2", pools=("default",)))
    await service.preempt_on_node(ADMIN, OnNode("n2", EXECUTOR, queues=("other",)))
    states = await _states(service, list(where))
    for job_id, (queue, executor, name) in where.items():
        hit = executor == "cluster-2" or (name == "n2" and queue == "other")
        assert (states[job_id] is JobState.PREEMPTED) is hit
        if hit:
            events = await storage.read_events(queue, JOB_SET, None, 100)
            mine = [e.event.kind.value for e in events if e.event.job_id == job_id]
            assert mine[-3:] == ["preempting", "preempted", "failed"]


async def test_priority_class_filter_and_unknown_targets_select_nothing(
    service: ArmadaService,
) -> None:
    where = await _spread(service)
    await service.cancel_on_executor(ADMIN, OnExecutor(EXECUTOR, priority_classes=("nope",)))
    await service.cancel_on_executor(ADMIN, OnExecutor("missing"))
    await service.cancel_on_node(ADMIN, OnNode("n1", "cluster-2"))
    await service.preempt_on_executor(ADMIN, OnExecutor(EXECUTOR, queues=("missing",)))
    assert set((await _states(service, list(where))).values()) == {JobState.LEASED}


async def test_settings_record_who_and_when_and_uncordon(
    service: ArmadaService, storage: MemoryStorage
) -> None:
    await service.upsert_executor_settings(ADMIN, "ex-9", True, "kernel upgrade")
    [settings] = await storage.list_executor_settings()
    assert (settings.executor_id, settings.cordoned, settings.cordon_reason) == (
        "ex-9",
        True,
        "kernel upgrade",
    )
    assert settings.set_by_user == "root" and settings.set_at_ns > 0
    await service.upsert_executor_settings(ADMIN, "ex-9", False, "")
    assert (await storage.list_executor_settings())[0].cordoned is False
    await service.delete_executor_settings(ADMIN, "ex-9")
    assert await storage.list_executor_settings() == []


async def test_a_cordoned_executor_gets_no_new_lease_until_uncordoned(
    service: ArmadaService,
) -> None:
    await make_queue(service)
    await service.upsert_executor_settings(ADMIN, EXECUTOR, True, "maintenance")
    [job_id] = await service.submit_jobs(ADMIN, SubmitJobs(QUEUE, JOB_SET, (cpu_item(),)))
    answer = await service.lease_job_runs(ADMIN, _executor(EXECUTOR, node("n1")))
    assert answer.leases == ()
    assert (await _states(service, [job_id]))[job_id] is JobState.QUEUED
    await service.upsert_executor_settings(ADMIN, EXECUTOR, False, "")
    answer = await service.lease_job_runs(ADMIN, _executor(EXECUTOR, node("n1")))
    assert [g.record.job.id for g in answer.leases] == [job_id]


async def test_delete_executor_forgets_it_until_it_calls_again(
    service: ArmadaService, storage: MemoryStorage
) -> None:
    await service.lease_job_runs(ADMIN, _executor(EXECUTOR, node("n1")))
    await service.upsert_executor_settings(ADMIN, EXECUTOR, True, "gone")
    await service.delete_executor(ADMIN, EXECUTOR)
    assert await storage.list_executors() == []
    assert [s.executor_id for s in await storage.list_executor_settings()] == [EXECUTOR]
    await service.delete_executor(ADMIN, "never-seen")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda s, p: s.upsert_executor_settings(p, "ex", True, "r"),
            "error updating executor settings ex: user alice lacks permission "
            "update_executor_settings",
        ),
        (
            lambda s, p: s.delete_executor_settings(p, "ex"),
            "error deleting executor settings ex: ",
        ),
        (lambda s, p: s.delete_executor(p, "ex"), "error deleting executor ex: "),
        (
            lambda s, p: s.cancel_on_executor(p, OnExecutor("ex")),
            "error cancelling jobs on executor ex: user alice lacks permission cancel_any_jobs",
        ),
        (
            lambda s, p: s.preempt_on_executor(p, OnExecutor("")),
            "error preempting jobs on executor : user alice lacks permission preempt_any_jobs",
        ),
        (
            lambda s, p: s.cancel_on_node(p, OnNode("n1", "")),
            "error canceling jobs on executor n1: ",
        ),
        (
            lambda s, p: s.preempt_on_node(p, OnNode("n1", "ex")),
            "error preempting jobs on executor n1: ",
        ),
    ],
)
async def test_permission_is_checked_first(service: ArmadaService, call, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied) as caught:
        await call(service, ALICE)
    assert caught.value.message.startswith(message)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda s: s.upsert_executor_settings(ADMIN, "", False, ""),
            "must provide non-empty executor name when upserting executor settings",
        ),
        (
            lambda s: s.upsert_executor_settings(ADMIN, "ex", True, ""),
            "cordon reason must be specified if cordoning",
        ),
        (
            lambda s: s.upsert_executor_settings(ADMIN, "ex", True, "x" * 2000),
            "cordonReason is too long",
        ),
        (
            lambda s: s.delete_executor_settings(ADMIN, ""),
            "must provide non-empty executor name when deleting executor settings",
        ),
        (
            lambda s: s.delete_executor(ADMIN, ""),
            "must provide non-empty executor name when deleting executor",
        ),
        (
            lambda s: s.cancel_on_executor(ADMIN, OnExecutor("")),
            "must provide non-empty executor name when determining what to cancel",
        ),
        (
            lambda s: s.preempt_on_executor(ADMIN, OnExecutor("")),
            "must provide non-empty executor name when determining what to preempt",
        ),
        (
            lambda s: s.preempt_on_node(ADMIN, OnNode("", "ex")),
            "must provide non-empty executor name when determining what to preempt",
        ),
        (
            lambda s: s.cancel_on_node(ADMIN, OnNode("n1", "")),
            "must provide non-empty executor id when determining what to cancel",
        ),
        (
            lambda s: s.cancel_on_executor(ADMIN, OnExecutor("ex", queues=("q" * 300,))),
            "queues is too long",
        ),
    ],
)
async def test_required_fields_and_bounds(service: ArmadaService, call, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidArgument) as caught:
        await call(service)
    assert caught.value.message.startswith(message)


def test_settings_default_to_uncordoned() -> None:
    assert ExecutorSettings("ex").cordoned is False
