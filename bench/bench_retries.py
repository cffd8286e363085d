"""What judging failed runs by retry policy costs the run report, next to the report
without policies.

Run: `python bench/bench_retries.py [--jobs N] [--nodes N]`.

In process, memory storage, one executor of `--nodes` nodes (default 1,000) holding
`--jobs` leased jobs (default 1,000, the scheduler's burst) of one queue. One
ReportEvents call reports every run failed with an OOM; the figure is failures
handled per second.

1. With the queue's policy "retry on OOM, memory x1.5, avoid the node": every failure
   is judged, every job requeued with its mutations, each mutated job probed against
   the nodes (Armada's submit-check probe).
2. The ceiling, same jobs and report, same run: no policy (the failure fails the job,
   as before this feature).
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "core"))

from core_support import ADMIN, admin_permissions, make_queue
from lease_support import call, node, run_event, submit_cpu

from armada_core.config import ServiceConfig
from armada_core.execution import ContainerFailure, ErrorReason, RunError, RunEventKind
from armada_core.retry.policy import (
    MemoryBump,
    RetryAction,
    RetryMutation,
    RetryPolicy,
    RetryRule,
)
from armada_core.service import ArmadaService
from armada_core.state_machine import FailureCause
from armada_storage.memory import MemoryStorage

GROW = RetryMutation(avoid_same_node=True, memory=MemoryBump(factor=1.5))
POLICY = RetryPolicy("oom", 2, RetryAction.FAIL, (RetryRule(RetryAction.RETRY, "oom", "", GROW),))
OOM = RunError(
    True,
    ErrorReason.POD_ERROR,
    "container main was OOM killed",
    FailureCause.OOM,
    (ContainerFailure("main", 137, "out of memory", "OOMKilled", FailureCause.OOM),),
    category="oom",
)


async def one_report(jobs: int, nodes: int, with_policy: bool) -> float:
    """Failures per second of one ReportEvents call failing `jobs` runs."""
    service = ArmadaService(MemoryStorage(), config=ServiceConfig(permissions=admin_permissions()))
    if with_policy:
        await service.create_retry_policy(ADMIN, POLICY)
    await make_queue(service, retry_policies=("oom",) if with_policy else ())
    for start in range(0, jobs, 1000):
        await service.submit_jobs(ADMIN, submit_cpu(min(1000, jobs - start), cpu="100m"))
    snapshot = call(*(node(f"node-{i}") for i in range(nodes)), max_jobs=jobs)
    answer = await service.lease_job_runs(ADMIN, snapshot)
    assert len(answer.leases) == jobs, len(answer.leases)
    events = [run_event(RunEventKind.ERRORS, g.record.job.id, g.run.id, OOM) for g in answer.leases]
    gc.collect()
    began = time.perf_counter()
    await service.report_events(ADMIN, events)
    return jobs / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--nodes", type=int, default=1000)
    args = parser.parse_args()
    judged = anyio.run(one_report, args.jobs, args.nodes, True)
    plain = anyio.run(one_report, args.jobs, args.nodes, False)
    print(f"failures judged and retried by policy: {judged:,.0f}/s")
    print(f"ceiling, same report without policies:  {plain:,.0f}/s")
    print(f"ratio: {judged / plain:.2f}")


if __name__ == "__main__":
    main()
