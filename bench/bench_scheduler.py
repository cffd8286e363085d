"""Scheduling throughput of one pass, next to what merely handling the same jobs costs.

Run: `python bench/bench_scheduler.py [--jobs N] [--queues N] [--nodes N]`.

1. The scheduler: `armada_core.scheduling.schedule` over 100,000 queued jobs in 100
   queues onto 1,000 nodes of 8 CPU / 32 Gi, one pass (rate limits off, or the
   default 100/s bucket would stop it at its 1,000-job burst). Job shapes are small
   enough that every job fits, so each one is a placement. Inputs are built
   beforehand; the figure is placements per second of wall time of `schedule`.
2. Ceilings, same jobs and nodes, same run: (a) sorting the jobs into queue order
   (what any scheduler must at least do), (b) a trivial next-fit that walks the
   sorted jobs and fills nodes one after another (no fairness, no matching, no
   bin-packing choice): the cost of deciding at all, in Python.

TODO(end-to-end): the rate of a simulated executor leasing and finishing 10,000 jobs
through the real gRPC ExecutorApi (and submit-to-leased p99) belongs here once the
executor API exists; it is not measured yet.
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from operator import attrgetter

from armada_core.queues import Queue
from armada_core.scheduling import (
    Node,
    QueuedJob,
    SchedulingConfig,
    SchedulingRound,
    schedule,
    units_of,
)

# (cpu, memory) cycled through the jobs: about 71m CPU and 288Mi on average.
SHAPES = (("50m", "128Mi"), ("100m", "256Mi"), ("75m", "512Mi"), ("60m", "256Mi"))
CONFIG = SchedulingConfig(maximum_scheduling_rate=None, maximum_per_queue_scheduling_rate=None)


def build(jobs: int, queues: int, nodes: int) -> SchedulingRound:
    shapes = [units_of({"cpu": cpu, "memory": memory}) for cpu, memory in SHAPES]
    total = units_of({"cpu": "8", "memory": "32Gi"})
    return SchedulingRound(
        pool="default",
        now_ns=0,
        queues=tuple(Queue(f"queue-{q:03}", priority_factor=1 + q % 3) for q in range(queues)),
        jobs=tuple(
            QueuedJob(
                id=f"job-{k:07}",
                queue=f"queue-{k % queues:03}",
                job_set="bench",
                requests=shapes[k % len(shapes)],
                priority=k % 3,
                submitted_ns=k,
            )
            for k in range(jobs)
        ),
        nodes=tuple(
            Node(id=f"node-{n:05}", executor="bench", pool="default", total=total)
            for n in range(nodes)
        ),
    )


def sort_only(round: SchedulingRound) -> int:
    ordered = sorted(round.jobs, key=lambda j: (j.queue, j.priority, j.submitted_ns, j.id))
    return len(ordered)


def next_fit(round: SchedulingRound) -> int:
    """Place sorted jobs on nodes in turn; move on when the current node is full."""
    ordered = sorted(round.jobs, key=lambda j: (j.queue, j.priority, j.submitted_ns, j.id))
    nodes = sorted(round.nodes, key=attrgetter("id"))
    free = [[n.total["cpu"], n.total["memory"]] for n in nodes]
    current, placed = 0, 0
    for job in ordered:
        cpu, memory = job.requests["cpu"], job.requests["memory"]
        while current < len(free) and (free[current][0] < cpu or free[current][1] < memory):
            current += 1
        if current == len(free):
            break
        free[current][0] -= cpu
        free[current][1] -= memory
        placed += 1
    return placed


def timed(work: Callable[[], int]) -> tuple[int, float]:
    gc.collect()
    gc.disable()  # the inputs are long-lived; a collection mid-pass measures the GC
    try:
        started = time.perf_counter()
        count = work()
        return count, time.perf_counter() - started
    finally:
        gc.enable()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--queues", type=int, default=100)
    parser.add_argument("--nodes", type=int, default=1_000)
    args = parser.parse_args()
    round = build(args.jobs, args.queues, args.nodes)
    placed, elapsed = timed(lambda: len(schedule(CONFIG, round).placements))
    _, sorting = timed(lambda: sort_only(round))
    fitted, fitting = timed(lambda: next_fit(round))
    print(
        f"{args.jobs:,} queued jobs in {args.queues} queues onto {args.nodes:,} nodes of "
        f"8 CPU / 32 Gi, one pass: {placed:,} placed in {elapsed:.2f} s = "
        f"{placed / elapsed:,.0f} placements/s (target >= 10,000)"
    )
    print(
        f"    ceilings, same jobs: sorting them {args.jobs / sorting:,.0f} jobs/s | "
        f"trivial next-fit {fitted / fitting:,.0f} placements/s | "
        f"scheduler = {100 * (placed / elapsed) / (fitted / fitting):.0f}% of next-fit"
    )


if __name__ == "__main__":
    main()
