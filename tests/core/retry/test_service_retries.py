"""Retry policies applied by the service: executor-reported failures, lease expiry and
preemption consult the engine; retries are new runs of the same job with the rule's
mutations in the next lease; without policies nothing changes."""

from __future__ import annotations

import dataclasses

import pytest
from core_support import ADMIN, JOB_SET, QUEUE, make_queue
from lease_support import cpu_item, kinds, lease, node, returned, run_event, submit_cpu

from armada_core.clock import ManualClock
from armada_core.commands import PreemptJobs, SubmitJobs
from armada_core.config import ServiceConfig
from armada_core.execution import ContainerFailure, ErrorReason, RunError, RunEventKind
from armada_core.jobs import JobState
from armada_core.retry.engine import RetrySettings
from armada_core.retry.policy import (
    MemoryBump,
    RetryAction,
    RetryMutation,
    RetryPolicy,
    RetryRule,
)
from armada_core.runs import RunState
from armada_core.scheduler_config import SchedulerConfig
from armada_core.service import ArmadaService
from armada_core.state_machine import FailureCause
from armada_storage.memory import MemoryStorage

pytestmark = pytest.mark.anyio

FAIL, RETRY = RetryAction.FAIL, RetryAction.RETRY
ERRORS, RUNNING = RunEventKind.ERRORS, RunEventKind.RUNNING
S = 1_000_000_000
GROW = RetryMutation(avoid_same_node=True, memory=MemoryBump(factor=1.5))
OOM_POLICY = RetryPolicy("oom-retry", 2, FAIL, (RetryRule(RETRY, "oom", "", GROW),))
PREEMPT_POLICY = RetryPolicy("preempted", 1, FAIL, (RetryRule(RETRY, "internal", "preempted"),))
EXPIRY_POLICY = RetryPolicy("expired", 1, FAIL, (RetryRule(RETRY, "internal", "lease-expired"),))


def oom(node_name: str = "node-1") -> RunError:
    failure = ContainerFailure("main", 137, "out of memory", "OOMKilled", FailureCause.OOM)
    return RunError(
        True,
        ErrorReason.POD_ERROR,
        "container main was OOM killed",
        FailureCause.OOM,
        (failure,),
        category="oom",
    )


async def _setup(service: ArmadaService, *policies: RetryPolicy) -> str:
    for policy in policies:
        await service.create_retry_policy(ADMIN, policy)
    await make_queue(service, retry_policies=tuple(p.name for p in policies[:1]))
    [job_id] = await service.submit_jobs(ADMIN, submit_cpu())
    return job_id


async def _failed_fields(storage: MemoryStorage) -> list[dict[str, object]]:
    events = await storage.read_events(QUEUE, JOB_SET, None, 10_000)
    return [dict(e.event.fields) for e in events if e.event.kind.value == "failed"]


def _memory(spec: dict[str, object]) -> tuple[str, str]:
    resources = spec["containers"][0]["resources"]  # type: ignore[index]
    return resources["requests"]["memory"], resources["limits"]["memory"]


async def test_oom_is_retried_with_more_memory_off_the_tried_nodes_then_fails(
    service: ArmadaService, storage: MemoryStorage
) -> None:
    job_id = await _setup(service, OOM_POLICY)
    nodes = (node("node-1"), node("node-2"), node("node-3"))
    memories, placed = [], []
    for attempt in range(3):
        [granted] = (await lease(service, *nodes)).leases
        assert granted.record.job.id == job_id
        memories.append(_memory(granted.pod_spec))
        placed.append(granted.run.node)
        await service.report_events(ADMIN, [run_event(ERRORS, job_id, granted.run.id, oom())])
        expected = JobState.QUEUED if attempt < 2 else JobState.FAILED
        assert (await service.job_status(ADMIN, [job_id]))[job_id] is expected
    assert memories == [("1Gi", "1Gi"), ("1536Mi", "1536Mi"), ("2304Mi", "2304Mi")]
    assert len(set(placed)) == 3  # each retry avoided every node tried before
    failed = await _failed_fields(storage)
    assert [f.get("retryable", False) for f in failed] == [True, True, False]
    assert all(f["failure_category"] == "oom" for f in failed)
    assert 'Retry policy: retry policy "oom-retry" rule 0: matched rule: Retry' in str(
        failed[0]["reason"]
    )
    assert str(failed[2]["reason"]).startswith(
        'Retry policy: retry policy "oom-retry" rule 0: policy retry limit exceeded (2/2)'
    )
    error = (await service.job_errors(ADMIN, [job_id]))[job_id]
    assert "oom-retry" in error and error.endswith("Failure category: oom")


async def test_the_avoid_rule_becomes_node_affinity_in_the_lease(service: ArmadaService) -> None:
    job_id = await _setup(service, OOM_POLICY)
    [first] = (await lease(service, node("node-1"), node("node-2"))).leases
    await service.report_events(ADMIN, [run_event(ERRORS, job_id, first.run.id, oom())])
    [second] = (await lease(service, node("node-1"), node("node-2"))).leases
    terms = second.pod_spec["affinity"]["nodeAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"
    ]["nodeSelectorTerms"]
    assert terms == [
        {
            "matchExpressions": [
                {"key": "kubernetes.io/hostname", "operator": "NotIn", "values": [first.run.node]}
            ]
        }
    ]
    assert second.run.node != first.run.node


async def test_user_preemption_under_a_preemption_rule_comes_back_as_a_new_run(
    service: ArmadaService, storage: MemoryStorage
) -> None:
    job_id = await _setup(service, PREEMPT_POLICY)
    [first] = (await lease(service)).leases
    await service.preempt_jobs(ADMIN, PreemptJobs(QUEUE, JOB_SET, (job_id,), reason="room"))
    assert (await service.job_status(ADMIN, [job_id]))[job_id] is JobState.QUEUED
    assert (await kinds(storage))[-2:] == ["preempting", "failed"]
    [retried] = await _failed_fields(storage)
    assert retried["retryable"] is True and retried["failure_subcategory"] == "preempted"
    assert str(retried["reason"]) == (
        'preempted by root: room\n\nRetry policy: retry policy "preempted" rule 0: '
        "matched rule: Retry"
    )
    [second] = (await lease(service, node(runs={first.run.id: "RUNNING"}))).leases
    assert second.run.id != first.run.id and second.record.job.id == job_id
    runs = await service.job_run_details(ADMIN, [first.run.id])
    assert runs[first.run.id].state is RunState.PREEMPTED
    # The limit (1) is spent: the next preemption is final, as without a policy.
    await service.preempt_jobs(ADMIN, PreemptJobs(QUEUE, JOB_SET, (job_id,), reason="again"))
    assert (await service.job_status(ADMIN, [job_id]))[job_id] is JobState.PREEMPTED


async def test_an_expired_lease_under_a_policy_is_retried_then_failed_naming_it(
    storage: MemoryStorage, clock: ManualClock, config: ServiceConfig
) -> None:
    short = dataclasses.replace(config, scheduler=SchedulerConfig(executor_timeout_ns=5 * S))
    service = ArmadaService(storage, config=short, clock=clock)
    job_id = await _setup(service, EXPIRY_POLICY)
    await lease(service)
    clock.advance(6 * S)
    assert await service.expire_leases() == 1
    assert (await kinds(storage))[-2:] == ["lease_expired", "failed"]
    assert (await service.job_status(ADMIN, [job_id]))[job_id] is JobState.QUEUED
    await lease(service)
    clock.advance(6 * S)
    assert await service.expire_leases() == 1
    assert (await kinds(storage))[-2:] == ["leased", "failed"]  # no lease_expired: the policy
    assert (await service.job_status(ADMIN, [job_id]))[job_id] is JobState.FAILED
    last = (await _failed_fields(storage))[-1]
    assert str(last["reason"]).startswith("Lease expired and not retried by policy: ")
    assert (last["failure_category"], last["failure_subcategory"]) == ("internal", "lease-expired")


async def test_without_policies_or_with_the_engine_off_nothing_changes(
    storage: MemoryStorage, clock: ManualClock, config: ServiceConfig
) -> None:
    off = dataclasses.replace(config, retry=RetrySettings(enabled=False))
    service = ArmadaService(storage, config=off, clock=clock)
    job_id = await _setup(service, OOM_POLICY)
    [granted] = (await lease(service)).leases
    await service.report_events(ADMIN, [run_event(ERRORS, job_id, granted.run.id, oom())])
    assert (await service.job_status(ADMIN, [job_id]))[job_id] is JobState.FAILED
    [failed] = await _failed_fields(storage)
    assert failed["reason"] == "container main was OOM killed" and "retryable" not in failed
    assert failed["failure_category"] == "oom"


async def test_a_fail_rule_fails_at_once(service: ArmadaService, storage: MemoryStorage) -> None:
    strict = RetryPolicy("strict", 3, RETRY, (RetryRule(FAIL, "oom"),))
    job_id = await _setup(service, strict)
    [granted] = (await lease(service)).leases
    await service.report_events(ADMIN, [run_event(ERRORS, job_id, granted.run.id, oom())])
    assert (await service.job_status(ADMIN, [job_id]))[job_id] is JobState.FAILED
    [failed] = await _failed_fields(storage)
    assert 'retry policy "strict" rule 0: matched rule: Fail' in str(failed["reason"])


async def test_gang_members_are_left_to_the_old_rules(
    service: ArmadaService, storage: MemoryStorage
) -> None:
    await _setup(service, OOM_POLICY)
    gang = {"armadaproject.io/gangId": "g", "armadaproject.io/gangCardinality": "2"}
    items = tuple(dataclasses.replace(cpu_item(), annotations=gang) for _ in range(2))
    first, _second = await service.submit_jobs(ADMIN, SubmitJobs(QUEUE, JOB_SET, items))
    leases = {g.record.job.id: g for g in (await lease(service)).leases}
    assert first in leases
    await service.report_events(ADMIN, [run_event(ERRORS, first, leases[first].run.id, oom())])
    assert (await service.job_status(ADMIN, [first]))[first] is JobState.FAILED
    assert "retryable" not in (await _failed_fields(storage))[-1]


async def test_a_retry_that_would_fit_no_node_fails_the_job_at_once(
    service: ArmadaService, storage: MemoryStorage
) -> None:
    job_id = await _setup(service, OOM_POLICY)
    [granted] = (await lease(service, node("only"))).leases  # the only node: avoided next
    await service.report_events(ADMIN, [run_event(ERRORS, job_id, granted.run.id, oom())])
    assert (await service.job_status(ADMIN, [job_id]))[job_id] is JobState.FAILED
    [failed] = await _failed_fields(storage)
    assert str(failed["reason"]).startswith(
        'Retry policy: retry policy "oom-retry" rule 0: '
        "retry granted, but no untried node fits the job"
    )


async def test_a_memory_bump_beyond_every_node_fails_the_job_at_once(
    service: ArmadaService, storage: MemoryStorage
) -> None:
    huge = RetryMutation(memory=MemoryBump(static="40Gi"))
    job_id = await _setup(
        service, RetryPolicy("huge", 2, FAIL, (RetryRule(RETRY, "oom", "", huge),))
    )
    [granted] = (await lease(service)).leases
    await service.report_events(ADMIN, [run_event(ERRORS, job_id, granted.run.id, oom())])
    assert (await service.job_status(ADMIN, [job_id]))[job_id] is JobState.FAILED
    [failed] = await _failed_fields(storage)
    assert "the job grown by the rule's memory bump fits no node" in str(failed["reason"])


async def test_returned_leases_keep_their_own_rule_and_end_as_max_runs_exceeded(
    storage: MemoryStorage, clock: ManualClock, config: ServiceConfig
) -> None:
    one_retry = dataclasses.replace(config, scheduler=SchedulerConfig(max_retries=1))
    service = ArmadaService(storage, config=one_retry, clock=clock)
    job_id = await _setup(service, RetryPolicy("all", 5, RETRY))  # never asked: lease returns
    for _ in range(2):
        [granted] = (await lease(service)).leases
        await service.report_events(ADMIN, [run_event(ERRORS, job_id, granted.run.id, returned())])
    assert (await service.job_status(ADMIN, [job_id]))[job_id] is JobState.FAILED
    [failed] = await _failed_fields(storage)
    assert (failed["failure_category"], failed["failure_subcategory"]) == (
        "internal",
        "max-runs-exceeded",
    )
    assert "retryable" not in failed


async def test_a_big_report_is_judged_the_same_off_the_event_loop(
    service: ArmadaService, storage: MemoryStorage
) -> None:
    from armada_core._usecases.report import OFF_LOOP_RUNS

    await _setup(service, OOM_POLICY)
    await service.submit_jobs(ADMIN, submit_cpu(OFF_LOOP_RUNS, cpu="10m"))
    nodes = [node(f"node-{i}") for i in range(5)]  # 32 jobs of 1Gi each
    granted = (await lease(service, *nodes, max_jobs=500)).leases
    assert len(granted) > OFF_LOOP_RUNS
    events = [run_event(ERRORS, g.record.job.id, g.run.id, oom()) for g in granted]
    await service.report_events(ADMIN, events)
    states = await service.job_status(ADMIN, [g.record.job.id for g in granted])
    assert set(states.values()) == {JobState.QUEUED}
    assert all(f.get("retryable") for f in await _failed_fields(storage))
