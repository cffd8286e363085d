"""What the submit check costs on the submit path: jobs/s with and without known nodes.

Run: `python bench/bench_submit_check.py [--jobs N]`.

The same realistic jobs (bench/workload.py: node selector, tolerations) are submitted
through `ArmadaService.submit_jobs` into memory storage (so the check's CPU cost is
not hidden behind SQLite's), one job per request and in 100-job requests:

- ceiling: no executor known, so the check has nothing to check (the path as before
  the check existed, but for one test of a cached "no nodes");
- checked: one executor with 1,000 nodes of 8 CPU / 32 Gi, all labelled and tainted
  so every job fits: each request runs the check (memoised per scheduling key).

The whole-path rates are noisy on a shared machine; the check alone (its `refusals`
over 10,000 built jobs, after the first verdict) is printed per job beside the whole
path's cost per job, which is the ceiling it must stay well under.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path
from typing import Any

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workload import submit_items

from armada_adapters.wire.convert.submit import submit_jobs
from armada_adapters.wire.jsoncodec import from_json
from armada_adapters.wire.pool import message_class
from armada_core import ArmadaService, PermissionConfig, Principal, ServiceConfig
from armada_core._usecases.context import Context
from armada_core._usecases.submit_check import SubmitCheck
from armada_core.clock import SystemClock
from armada_core.execution import LeaseCall
from armada_core.executors import Executor, NodeSnapshot
from armada_core.ids import UlidFactory
from armada_core.permissions import OPEN_SERVER
from armada_core.quantity import Quantity
from armada_core.queues import QueueSpec
from armada_core.submission import build_job, validate_submit
from armada_storage.memory import MemoryStorage

USER = Principal(name="bench")
NODES = 1000


def _node(i: int) -> NodeSnapshot:
    total = {
        "cpu": Quantity.parse("8").nanos,
        "memory": Quantity.parse("32Gi").nanos,
        "ephemeral-storage": Quantity.parse("100Gi").nanos,
    }
    labels = {"kubernetes.io/hostname": f"n{i}", "node-type": "batch", "zone": "eu-west-1a"}
    taints = ({"key": "dedicated", "value": "batch", "effect": "NoSchedule"},)
    return NodeSnapshot(f"n{i}", total=total, labels=labels, taints=taints)


def _command(k: int, size: int) -> Any:
    data = {
        "queue": "bench",
        "jobSetId": f"set-{k % 10}",
        "jobRequestItems": submit_items(size, start=k * size),
    }
    request = from_json(data, message_class("api.JobSubmitRequest"))
    return submit_jobs(request)


async def _rate(jobs: int, size: int, with_nodes: bool) -> float:
    config = ServiceConfig(permissions=PermissionConfig.everyone_may(OPEN_SERVER))
    service = ArmadaService(MemoryStorage(), config=config)
    await service.create_queue(USER, QueueSpec(name="bench", priority_factor=1.0))
    if with_nodes:
        nodes = tuple(_node(i) for i in range(NODES))
        await service.lease_job_runs(USER, LeaseCall(Executor("ex", "default", 0, nodes), 0))
    commands = [_command(k, size) for k in range(jobs // size)]
    gc.collect()
    started = time.perf_counter()
    for command in commands:
        ids = await service.submit_jobs(USER, command)
        assert len(ids) == size
    elapsed = time.perf_counter() - started
    return jobs / elapsed


async def _check_alone(jobs: int) -> float:
    """Microseconds per job of `SubmitCheck.refusals` once the verdict is memoised."""
    config = ServiceConfig(permissions=PermissionConfig.everyone_may(OPEN_SERVER))
    storage = MemoryStorage()
    await storage.upsert_executor(
        Executor("ex", "default", 0, tuple(_node(i) for i in range(NODES)))
    )
    ctx = Context(storage, config, SystemClock(), UlidFactory(SystemClock()))
    command = _command(0, jobs)
    keys = validate_submit(command, config.submission)
    built = [
        build_job(
            item,
            job_id=ctx.ids.new_id(),
            queue="bench",
            job_set_id="s",
            owner=USER.name,
            groups=("everyone",),
            created_ns=time.time_ns(),
            config=config.submission,
            pod_key=key,
        )
        for item, key in zip(command.items, keys, strict=True)
    ]
    check = SubmitCheck()
    assert await check.refusals(ctx, built[:1]) == {}
    started = time.perf_counter()
    assert await check.refusals(ctx, built) == {}
    return 1e6 * (time.perf_counter() - started) / jobs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=5000)
    args = parser.parse_args()
    for size in (1, 100):
        ceiling = anyio.run(_rate, args.jobs, size, False)
        checked = anyio.run(_rate, args.jobs, size, True)
        print(
            f"{size}-job requests: checked against {NODES} nodes {checked:,.0f} jobs/s | "
            f"ceiling (no executor known) {ceiling:,.0f} jobs/s | "
            f"checked = {100 * checked / ceiling:.0f}% of ceiling"
        )
    alone = anyio.run(_check_alone, 10_000)
    ceiling = anyio.run(_rate, args.jobs, 100, False)
    print(
        f"check alone: {alone:.2f} us per job | whole submit path (100-job requests, "
        f"no executor): {1e6 / ceiling:.1f} us per job | check = "
        f"{100 * alone * ceiling / 1e6:.1f}% of it"
    )


if __name__ == "__main__":
    main()
