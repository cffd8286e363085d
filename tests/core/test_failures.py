"""Why a job failed, read back from its events; a job's history holds its runs."""

from __future__ import annotations

import dataclasses

import pytest
from core_support import ADMIN, make_queue
from lease_support import exit_error, lease, pod, returned, run_event, submit_cpu

from armada_core.events import Event, EventKind
from armada_core.execution import ContainerFailure, RunEventKind
from armada_core.failures import failure_of
from armada_core.runs import RunState
from armada_core.scheduler_config import SchedulerConfig
from armada_core.service import ArmadaService
from armada_core.state_machine import FailureCause

pytestmark = pytest.mark.anyio


def test_a_failed_event_reads_as_a_failure() -> None:
    fields = {
        "reason": "container main exited 3",
        "cause": 2,
        "kubernetes_id": "run-1",
        "node_name": "node-1",
        "failure_category": "user",
        "failure_subcategory": "exit",
        "exit_codes": {"init": 0, "main": 3},
        "container_statuses": [
            {"name": "init", "exitCode": 0},
            {"name": "main", "exitCode": 3, "reason": "Error", "message": "boom", "cause": 2},
        ],
    }
    failure = failure_of(Event(EventKind.FAILED, "j", 1, fields))
    assert failure is not None
    assert failure.reason == "container main exited 3" and failure.cause is FailureCause.OOM
    assert failure.run_id == "run-1" and failure.node == "node-1"
    assert (failure.category, failure.subcategory) == ("user", "exit")
    assert failure.containers[1] == ContainerFailure("main", 3, "boom", "Error", FailureCause.OOM)
    assert failure.exit_code == 3  # the first non-zero one


def test_odd_fields_read_as_defaults_and_other_events_as_none() -> None:
    odd = {"reason": "x", "cause": "not a number", "exit_codes": {"main": "7"}}
    failure = failure_of(Event(EventKind.FAILED, "j", 1, odd))
    assert failure is not None and failure.cause is FailureCause.ERROR
    assert failure.containers == (ContainerFailure("main", 7),)
    assert failure_of(Event(EventKind.FAILED, "j", 1, {})) is not None
    assert failure_of(Event(EventKind.CANCELLED, "j", 1, {"reason": "x"})) is None


async def test_history_holds_the_runs_and_the_failure_of_each(service: ArmadaService) -> None:
    await make_queue(service)
    [job_id] = await service.submit_jobs(ADMIN, submit_cpu())
    [granted] = (await lease(service)).leases
    run_id = granted.run.id
    mine = dataclasses.replace(pod(), kubernetes_id=run_id)  # as the executor names pods
    for kind, errors in ((RunEventKind.RUNNING, ()), (RunEventKind.ERRORS, (exit_error(3),))):
        event = dataclasses.replace(run_event(kind, job_id, run_id, *errors), pod=mine)
        await service.report_events(ADMIN, [event])
    history = await service.job_history(ADMIN, job_id)
    [run] = history.runs
    assert run.id == run_id and run.state is RunState.FAILED and run.node == "node-1"
    assert history.failure is not None and history.failure.exit_code == 3
    assert history.failure.reason == "container main exited 3"
    assert history.run_failures == {run_id: history.failure}


async def test_a_run_failure_is_found_when_pods_are_named_otherwise(
    service: ArmadaService,
) -> None:
    await make_queue(service)
    [job_id] = await service.submit_jobs(ADMIN, submit_cpu())
    [granted] = (await lease(service)).leases
    event = run_event(RunEventKind.ERRORS, job_id, granted.run.id, exit_error(4))
    await service.report_events(ADMIN, [event])  # kubernetes_id "uid-1", not the run id
    history = await service.job_history(ADMIN, job_id)
    assert history.run_failures[granted.run.id].exit_code == 4


@pytest.fixture
def config(config):  # type: ignore[no-untyped-def]
    return dataclasses.replace(config, scheduler=SchedulerConfig(max_retries=0))


async def test_too_many_attempts_fail_the_job_outside_any_run(service: ArmadaService) -> None:
    await make_queue(service)
    [job_id] = await service.submit_jobs(ADMIN, submit_cpu())
    [granted] = (await lease(service)).leases
    await service.report_events(
        ADMIN, [run_event(RunEventKind.ERRORS, job_id, granted.run.id, returned())]
    )
    history = await service.job_history(ADMIN, job_id)
    assert history.failure is not None and "attempted 1 times" in history.failure.reason
    assert history.failure.run_id == "" and history.failure.exit_code is None
    assert history.runs[0].state is RunState.LEASE_RETURNED
    assert history.run_failures == {}
