"""Property, through the service (memory storage): whatever the sequence of run
failures (pod failures categorised or not, lease returns, preemptions), a job gets at
most min(policy limit, global limit) retries from its policy, each a new run."""

from __future__ import annotations

import anyio
from core_support import ADMIN, JOB_SET, QUEUE, admin_permissions, make_queue
from hypothesis import given, settings
from hypothesis import strategies as st
from lease_support import lease, node, returned, run_event, submit_cpu

from armada_core.commands import PreemptJobs
from armada_core.config import ServiceConfig
from armada_core.execution import ErrorReason, RunError, RunEventKind
from armada_core.jobs import JobState
from armada_core.retry.engine import RetrySettings
from armada_core.retry.policy import RetryAction, RetryPolicy, RetryRule
from armada_core.service import ArmadaService
from armada_storage.memory import MemoryStorage

NODES = tuple(node(f"node-{i}") for i in range(30))
FAILURES = ("oom", "user", "plain", "returned", "preempted")


def _error(kind: str) -> RunError:
    category = {"oom": "oom", "user": "user_error"}.get(kind, "")
    return RunError(True, ErrorReason.POD_ERROR, f"{kind} failure", category=category)


async def _retries(policy: RetryPolicy, global_max: int, sequence: list[str]) -> int:
    config = ServiceConfig(
        permissions=admin_permissions(), retry=RetrySettings(global_max_retries=global_max)
    )
    storage = MemoryStorage()
    service = ArmadaService(storage, config=config)
    await service.create_retry_policy(ADMIN, policy)
    await make_queue(service, retry_policies=(policy.name,))
    [job_id] = await service.submit_jobs(ADMIN, submit_cpu())
    for kind in sequence:
        leases = (await lease(service, *NODES)).leases
        if not leases:
            break
        run_id = leases[0].run.id
        if kind == "preempted":
            await service.preempt_jobs(ADMIN, PreemptJobs(QUEUE, JOB_SET, (job_id,)))
        else:
            error = returned() if kind == "returned" else _error(kind)
            await service.report_events(
                ADMIN, [run_event(RunEventKind.ERRORS, job_id, run_id, error)]
            )
        if (await service.job_status(ADMIN, [job_id]))[job_id] is not JobState.QUEUED:
            break
    events = await storage.read_events(QUEUE, JOB_SET, None, 10_000)
    return sum(
        1 for e in events if e.event.kind.value == "failed" and e.event.fields.get("retryable")
    )


actions = st.sampled_from([RetryAction.FAIL, RetryAction.RETRY])
rules = st.builds(
    RetryRule,
    action=actions,
    on_category=st.sampled_from(["oom", "user_error", "internal"]),
    on_subcategory=st.sampled_from(["", "preempted"]),
)
policies = st.builds(
    RetryPolicy,
    name=st.just("p"),
    retry_limit=st.integers(0, 4),
    default_action=actions,
    rules=st.lists(rules, max_size=3).map(tuple),
)


@settings(max_examples=40, deadline=None)
@given(
    policy=policies,
    global_max=st.integers(0, 4),
    sequence=st.lists(st.sampled_from(FAILURES), max_size=10),
)
def test_a_job_never_gets_more_retries_than_its_policy_or_the_global_limit(
    policy: RetryPolicy, global_max: int, sequence: list[str]
) -> None:
    retries = anyio.run(_retries, policy, global_max, sequence)
    assert retries <= min(policy.retry_limit, global_max)


def test_the_replay_does_retry_up_to_the_limits() -> None:
    everything = RetryPolicy("p", 3, RetryAction.RETRY)
    assert anyio.run(_retries, everything, 5, ["plain"] * 6) == 3
    assert anyio.run(_retries, everything, 2, ["oom", "returned", "preempted", "plain"]) == 2
    assert anyio.run(_retries, everything, 0, ["plain", "plain"]) == 0
