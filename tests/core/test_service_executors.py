"""The executor use cases: lease, report, expiry, cancel and preempt of runs."""

from __future__ import annotations

import dataclasses

import pytest
from core_support import ADMIN, ALICE, admin_permissions, make_queue
from lease_support import (
    EXECUTOR,
    call,
    cpu_item,
    exit_error,
    kinds,
    lease,
    node,
    returned,
    run_event,
    submit_cpu,
)

from armada_core.clock import ManualClock
from armada_core.commands import CancelJobs, PreemptJobs, PreemptOnQueue, SubmitJobs
from armada_core.config import ServiceConfig
from armada_core.errors import PermissionDenied
from armada_core.execution import RunEventKind
from armada_core.jobs import JobState
from armada_core.queues import QueueSpec
from armada_core.runs import RunState
from armada_core.scheduler_config import SchedulerConfig
from armada_core.scheduling import PriorityClass, SchedulingConfig
from armada_core.service import ArmadaService
from armada_storage.memory import MemoryStorage

pytestmark = pytest.mark.anyio

ASSIGNED, RUNNING, SUCCEEDED, ERRORS = (
    RunEventKind.ASSIGNED,
    RunEventKind.RUNNING,
    RunEventKind.SUCCEEDED,
    RunEventKind.ERRORS,
)
S = 1_000_000_000


async def _one_leased(service: ArmadaService) -> tuple[str, str]:
    await make_queue(service)
    [job_id] = await service.submit_jobs(ADMIN, submit_cpu())
    answer = await lease(service)
    [granted] = answer.leases
    return job_id, granted.run.id


async def test_lease_report_success_events_in_order(
    service: ArmadaService, storage: MemoryStorage
) -> None:
    job_id, run_id = await _one_leased(service)
    for kind in (ASSIGNED, RUNNING, SUCCEEDED):
        await service.report_events(ADMIN, [run_event(kind, job_id, run_id)])
    assert await kinds(storage) == [
        "submitted",
        "queued",
        "leased",
        "pending",
        "running",
        "succeeded",
    ]
    status = await service.job_status(ADMIN, [job_id])
    assert status[job_id] is JobState.SUCCEEDED
    fields = {
        e.event.kind.value: e.event.fields for e in await storage.read_events("q", "js", None, 9)
    }
    assert fields["leased"] == {"cluster_id": EXECUTOR, "pool": "default"}
    assert fields["pending"]["pod_name"] == "armada-x-0" and fields["pending"]["pool"] == "default"
    assert fields["running"]["node_name"] == "node-1"
    assert "pool" not in fields["succeeded"]
    runs = await service.job_run_details(ADMIN, [run_id])
    assert runs[run_id].state is RunState.SUCCEEDED and runs[run_id].node == "node-1"


async def test_lease_shapes_the_pod(service: ArmadaService) -> None:
    await make_queue(service)
    await service.submit_jobs(ADMIN, submit_cpu())
    [granted] = (await lease(service)).leases
    assert granted.pod_spec["nodeSelector"] == {"kubernetes.io/hostname": "node-1"}
    assert granted.annotations["armadaproject.io/pool"] == "default"
    assert granted.labels["armada_preemptible"] == "false"
    assert granted.run.executor == EXECUTOR


async def test_duplicates_and_skipped_phases_make_no_double_events(
    service: ArmadaService, storage: MemoryStorage
) -> None:
    job_id, run_id = await _one_leased(service)
    events = [run_event(k, job_id, run_id) for k in (RUNNING, ASSIGNED, RUNNING, SUCCEEDED)]
    await service.report_events(ADMIN, events)
    await service.report_events(ADMIN, events)  # the executor's reconciliation resends
    assert await kinds(storage) == ["submitted", "queued", "leased", "running", "succeeded"]


async def test_terminal_error_fails_the_job_with_exit_code(
    service: ArmadaService, storage: MemoryStorage
) -> None:
    job_id, run_id = await _one_leased(service)
    await service.report_events(ADMIN, [run_event(ERRORS, job_id, run_id, exit_error(3))])
    failed = (await storage.read_events("q", "js", None, 100))[-1].event
    assert failed.kind.value == "failed"
    assert failed.fields["exit_codes"] == {"main": 3}
    assert failed.fields["container_statuses"][0]["exitCode"] == 3
    assert (await service.job_errors(ADMIN, [job_id]))[job_id] == "container main exited 3"


async def test_a_huge_failure_message_is_kept_bounded(service: ArmadaService) -> None:
    job_id, run_id = await _one_leased(service)
    huge = dataclasses.replace(exit_error(), message="x" * 5_000_000)
    await service.report_events(ADMIN, [run_event(ERRORS, job_id, run_id, huge)])
    error = (await service.job_errors(ADMIN, [job_id]))[job_id]
    assert 8192 <= len(error) < 8300 and error.endswith("more chars)")


async def test_non_terminal_error_changes_nothing(
    service: ArmadaService, storage: MemoryStorage
) -> None:
    job_id, run_id = await _one_leased(service)
    soft = dataclasses.replace(exit_error(), terminal=False)
    await service.report_events(ADMIN, [run_event(ERRORS, job_id, run_id, soft)])
    assert (await service.job_status(ADMIN, [job_id]))[job_id] is JobState.LEASED


async def test_held_runs_not_resent_lost_runs_resent_unknown_cancelled(
    service: ArmadaService,
) -> None:
    _job_id, run_id = await _one_leased(service)
    lost = await lease(service)  # the answer was lost: the same run comes again
    assert [g.run.id for g in lost.leases] == [run_id]
    held = await lease(service, node(runs={run_id: "PENDING", "ghost": "RUNNING"}))
    assert held.leases == ()
    assert held.cancel_run_ids == ("ghost",)


async def test_cancel_of_running_job_reaches_executor_as_cancel_runs(
    service: ArmadaService, storage: MemoryStorage
) -> None:
    job_id, run_id = await _one_leased(service)
    await service.report_events(ADMIN, [run_event(RUNNING, job_id, run_id)])
    await service.cancel_jobs(ADMIN, CancelJobs("q", "js", (job_id,)))
    assert (await service.job_status(ADMIN, [job_id]))[job_id] is JobState.CANCELLED
    answer = await lease(service, node(runs={run_id: "RUNNING"}))
    assert answer.cancel_run_ids == (run_id,)
    # a late success report for the cancelled run is stale
    await service.report_events(ADMIN, [run_event(SUCCEEDED, job_id, run_id)])
    assert (await kinds(storage))[-1] == "cancelled"


async def test_preempt_of_running_job_ends_its_run(
    service: ArmadaService, storage: MemoryStorage
) -> None:
    job_id, run_id = await _one_leased(service)
    await service.preempt_jobs(ADMIN, PreemptJobs("q", "js", (job_id,), reason="room"))
    assert (await kinds(storage))[-3:] == ["preempting", "preempted", "failed"]
    assert (await service.job_status(ADMIN, [job_id]))[job_id] is JobState.PREEMPTED
    runs = await service.job_run_details(ADMIN, [run_id])
    assert runs[run_id].state is RunState.PREEMPTED
    assert (await lease(service, node(runs={run_id: "RUNNING"}))).cancel_run_ids == (run_id,)


async def test_later_jobs_fit_beside_running_ones(service: ArmadaService) -> None:
    # Requests of resources the node does not report (ephemeral-storage here) neither
    # block a job nor use up the node for the next ones.
    _job_id, run_id = await _one_leased(service)
    [second] = await service.submit_jobs(ADMIN, submit_cpu())
    answer = await lease(service, node(runs={run_id: "RUNNING"}))
    assert [g.record.job.id for g in answer.leases] == [second]


async def test_preempt_on_queue_picks_runs_by_pool(service: ArmadaService) -> None:
    job_id, _ = await _one_leased(service)
    await service.preempt_on_queue(ADMIN, PreemptOnQueue("q", pools=("gpu",)))
    assert (await service.job_status(ADMIN, [job_id]))[job_id] is JobState.LEASED
    await service.preempt_on_queue(ADMIN, PreemptOnQueue("q", pools=("default",)))
    assert (await service.job_status(ADMIN, [job_id]))[job_id] is JobState.PREEMPTED


async def test_one_cpu_node_never_gets_two_one_cpu_jobs(service: ArmadaService) -> None:
    await make_queue(service)
    first, second = await service.submit_jobs(ADMIN, submit_cpu(2))
    answer = await lease(service, node(cpu="1"))
    assert [g.record.job.id for g in answer.leases] == [first]
    again = await lease(service, node(cpu="1"))
    assert [g.record.job.id for g in again.leases] == [first]  # re-sent, not a second job
    run_id = again.leases[0].run.id
    await service.report_events(ADMIN, [run_event(SUCCEEDED, first, run_id)])
    after = await lease(service, node(cpu="1", runs={run_id: "SUCCEEDED"}))
    assert [g.record.job.id for g in after.leases] == [second]


async def test_silent_executor_expires_its_leases(
    storage: MemoryStorage, clock: ManualClock, config: ServiceConfig
) -> None:
    short = dataclasses.replace(config, scheduler=SchedulerConfig(executor_timeout_ns=5 * S))
    service = ArmadaService(storage, config=short, clock=clock)
    job_id, _run_id = await _one_leased(service)
    assert await service.expire_leases() == 0
    clock.advance(6 * S)
    assert await service.expire_leases() == 1
    assert (await kinds(storage))[-2:] == ["lease_expired", "failed"]
    assert (await service.job_status(ADMIN, [job_id]))[job_id] is JobState.FAILED
    assert "lease expired" in (await service.job_errors(ADMIN, [job_id]))[job_id]


async def test_returned_lease_requeues_until_attempts_run_out(
    storage: MemoryStorage, clock: ManualClock, config: ServiceConfig
) -> None:
    one_retry = dataclasses.replace(config, scheduler=SchedulerConfig(max_retries=1))
    service = ArmadaService(storage, config=one_retry, clock=clock)
    job_id, run_id = await _one_leased(service)
    await service.report_events(ADMIN, [run_event(ERRORS, job_id, run_id, returned())])
    assert (await service.job_status(ADMIN, [job_id]))[job_id] is JobState.QUEUED
    [second] = (await lease(service, node(runs={run_id: "FAILED"}))).leases
    assert second.run.id != run_id
    await service.report_events(ADMIN, [run_event(ERRORS, job_id, second.run.id, returned())])
    assert (await service.job_status(ADMIN, [job_id]))[job_id] is JobState.FAILED
    assert (await kinds(storage))[-2:] == ["lease_returned", "failed"]
    # events for the first, stale run change nothing now
    await service.report_events(ADMIN, [run_event(RUNNING, job_id, run_id)])
    assert (await kinds(storage))[-1] == "failed"


async def test_executor_rpcs_need_execute_jobs(service: ArmadaService) -> None:
    with pytest.raises(PermissionDenied, match="execute_jobs"):
        await service.lease_job_runs(ALICE, call())
    with pytest.raises(PermissionDenied, match="execute_jobs"):
        await service.report_events(ALICE, [])


async def test_queries_tell_the_truth_about_runs(service: ArmadaService) -> None:
    job_id, run_id = await _one_leased(service)
    assert await service.active_queues(ADMIN) == {"default": ["q"]}
    details = await service.job_details(ADMIN, [job_id], expand_job_spec=False, expand_job_run=True)
    assert [r.id for r in details[job_id].runs] == [run_id]
    info = await service.queue_info(ADMIN, "q")
    assert info.active_job_sets[0].leased == 1


# --- the fair-share scheduler behind the lease call ---------------------------------------


async def test_two_queues_share_four_cpus_by_priority_factor(service: ArmadaService) -> None:
    await make_queue(service, "a")
    await service.create_queue(ADMIN, QueueSpec(name="b", priority_factor=2.5))  # weight 1/2.5
    for name in ("a", "b"):
        command = dataclasses.replace(submit_cpu(4), queue=name)
        await service.submit_jobs(ADMIN, command)
    answer = await lease(service, node(cpu="4"))
    queues = sorted(g.record.job.queue for g in answer.leases)
    assert queues == ["a", "a", "a", "b"]


def _preemptible_low() -> ServiceConfig:
    classes = {
        "armada-default": PriorityClass(1000),
        "armada-preemptible": PriorityClass(100, preemptible=True),
    }
    scheduling = SchedulingConfig(priority_classes=classes)
    return ServiceConfig(
        permissions=admin_permissions(), scheduler=SchedulerConfig(scheduling=scheduling)
    )


async def test_a_higher_priority_job_preempts_a_preemptible_one(
    storage: MemoryStorage, clock: ManualClock
) -> None:
    service = ArmadaService(storage, config=_preemptible_low(), clock=clock)
    await make_queue(service)
    low = dataclasses.replace(
        cpu_item(), pod_spec={**cpu_item().pod_spec, "priorityClassName": "armada-preemptible"}
    )
    [low_id] = await service.submit_jobs(ADMIN, SubmitJobs("q", "js", (low,)))
    [low_lease] = (await lease(service, node(cpu="1"))).leases
    assert low_lease.labels["armada_preemptible"] == "true"
    [high_id] = await service.submit_jobs(ADMIN, submit_cpu())
    held = node(cpu="1", runs={low_lease.run.id: "RUNNING"})
    answer = await lease(service, held)
    assert answer.cancel_run_ids == (low_lease.run.id,)
    assert [g.record.job.id for g in answer.leases] == [high_id]
    assert (await kinds(storage, low_id))[-2:] == ["preempted", "failed"]
    assert (await service.job_status(ADMIN, [low_id]))[low_id] is JobState.PREEMPTED


async def test_a_gang_is_placed_all_or_nothing(service: ArmadaService) -> None:
    await make_queue(service)
    gang = {"armadaproject.io/gangId": "g", "armadaproject.io/gangCardinality": "3"}
    items = tuple(dataclasses.replace(cpu_item(), annotations=gang) for _ in range(3))
    await service.submit_jobs(ADMIN, SubmitJobs("q", "js", items))
    assert (await lease(service, node(cpu="2"))).leases == ()
    assert len((await lease(service, node(cpu="2"), node("node-2", cpu="1"))).leases) == 3
