"""A lease call the executor lets the server hold (`LeaseCall.wait_ns`).

Held while it has nothing to say and no job waits to be placed; it answers as soon
as a change gives it something (a submitted job it can take, a cancelled run).
"""

from __future__ import annotations

import dataclasses

import anyio
import pytest
from core_support import ADMIN, JOB_SET, QUEUE, make_queue
from lease_support import call, lease, node, run_event, submit_cpu

from armada_core.commands import CancelJobs
from armada_core.execution import LeaseAnswer, LeaseCall, RunEventKind
from armada_core.service import ArmadaService
from armada_storage.feed import LocalChangeFeed

pytestmark = pytest.mark.anyio

LONG = 60 * 1_000_000_000  # far longer than any test runs: an answer came from a change
BOUND = 10  # seconds: a call that should answer but is held fails the test, never hangs it


def waiting(lease_call: LeaseCall, wait_ns: int = LONG) -> LeaseCall:
    return dataclasses.replace(lease_call, wait_ns=wait_ns)


async def held_then(service: ArmadaService, feed: LocalChangeFeed, lease_call: LeaseCall,
                    change) -> LeaseAnswer:  # fmt: skip
    """Start the call, make `change` once it waits, return its answer."""
    answers: list[LeaseAnswer] = []

    async def ask() -> None:
        answers.append(await service.lease_job_runs(ADMIN, lease_call))

    with anyio.fail_after(BOUND):
        async with anyio.create_task_group() as group:
            group.start_soon(ask)
            while feed.follower_count() == 0:  # registered: the call is being held
                await anyio.sleep(0.005)
            assert not answers
            await change()
    return answers[0]


async def test_a_held_call_answers_with_the_job_submitted_while_it_waits(service, feed):
    await make_queue(service)
    submitted: list[str] = []

    async def submit() -> None:
        submitted.extend(await service.submit_jobs(ADMIN, submit_cpu()))

    answer = await held_then(service, feed, waiting(call()), submit)
    assert [granted.record.job.id for granted in answer.leases] == submitted
    assert feed.follower_count() == 0


async def test_a_held_call_answers_with_the_cancel_of_a_run_it_reported(service, feed):
    await make_queue(service)
    [job_id] = await service.submit_jobs(ADMIN, submit_cpu())
    [granted] = (await lease(service)).leases
    run_id = granted.run.id
    await service.report_events(ADMIN, [run_event(RunEventKind.RUNNING, job_id, run_id)])
    reported = waiting(call(node(runs={run_id: "RUNNING"})))

    async def cancel() -> None:
        await service.cancel_jobs(ADMIN, CancelJobs(QUEUE, JOB_SET, (job_id,)))

    answer = await held_then(service, feed, reported, cancel)
    assert answer.cancel_run_ids == (run_id,) and answer.leases == ()


async def test_queued_work_that_does_not_fit_is_answered_at_once(service):
    await make_queue(service)
    await service.submit_jobs(ADMIN, submit_cpu(count=2, cpu="6"))
    [granted] = (await lease(service)).leases  # 8 CPUs: the second job waits
    reported = waiting(call(node(runs={granted.run.id: "RUNNING"})))
    with anyio.fail_after(BOUND):
        answer = await service.lease_job_runs(ADMIN, reported)
    assert answer.empty


async def test_without_a_wait_an_empty_call_answers_at_once(service):
    await make_queue(service)
    with anyio.fail_after(BOUND):
        answer = await lease(service)
    assert answer.empty


async def test_a_call_that_may_take_no_job_is_not_held(service):
    await make_queue(service)
    with anyio.fail_after(BOUND):
        answer = await service.lease_job_runs(ADMIN, waiting(call(max_jobs=0)))
    assert answer.empty


async def test_the_wait_ends_with_an_empty_answer(service, feed):
    await make_queue(service)
    answer = await service.lease_job_runs(ADMIN, waiting(call(), wait_ns=50_000_000))
    assert answer.empty and feed.follower_count() == 0
