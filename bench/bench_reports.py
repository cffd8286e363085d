"""What keeping and reading scheduler reports costs, next to the pass they describe.

Run: `python bench/bench_reports.py [--jobs N] [--queues N] [--nodes N]`.

The inputs of `bench_scheduler.py` (100,000 queued jobs, 100 queues), twice: onto
1,000 nodes (every job placed) and onto 100 nodes (most jobs left waiting, the worst
case for reasons). Figures, each beside its ceiling measured in the same run:
1. `pool_round` (what a pass keeps; runs in the scheduling thread) as a share of the
   pass itself (`schedule`); ceiling 25%.
2. Reading (on the event loop): the queue report of one queue, the scheduling report
   at verbosity 2 (every queue, full form) and one job's short reason, each beside
   the time to sort as many jobs as the read looks at (`sort_only`, scaled); one job
   report (node exclusions: one walk over the pool's nodes) beside 10 walks of the
   scheduler's own eligibility rule over the same nodes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scheduler import CONFIG, build, sort_only, timed

from armada_core._usecases import scheduler_reports
from armada_core.reports import PoolRound, ReportStore, pool_round, render
from armada_core.reports.exclusions import excluded_nodes
from armada_core.scheduling import SchedulingRound, schedule
from armada_core.scheduling.candidates import constraints_of
from armada_core.scheduling.matching import mismatch

CEILING_SHARE = 0.25


def scenario(jobs: int, queues: int, nodes: int) -> None:
    round = build(jobs, queues, nodes)
    result = schedule(CONFIG, round)
    _, passing = timed(lambda: len(schedule(CONFIG, round).placements))
    _, keeping = timed(lambda: len(pool_round(CONFIG, round, result, 0, 0).queues))
    kept = pool_round(CONFIG, round, result, 0, 0)
    store = ReportStore()
    store.keep([kept])
    _, sorting = timed(lambda: sort_only(round))
    waiting = sorted(result.pending)
    job = waiting[0] if waiting else round.jobs[0].id
    per_queue = jobs / queues
    reads = {
        "queue report": (lambda: len(render.queue_report([kept], "queue-000", 0)), per_queue),
        "scheduling report -vv": (lambda: len(render.scheduling_report([kept], 2)), jobs),
        "short reason": (lambda: len(scheduler_reports.pending_reason(store, job)), queues),
    }
    print(
        f"{jobs:,} jobs, {queues} queues, {nodes:,} nodes: {len(result.placements):,} placed, "
        f"{len(waiting):,} waiting"
    )
    print(
        f"    keep the round {keeping * 1000:.1f} ms = {100 * keeping / passing:.1f}% of the pass "
        f"({passing * 1000:.0f} ms); ceiling {100 * CEILING_SHARE:.0f}%"
    )
    for name, (read, scanned) in reads.items():
        _, took = timed(read)
        ceiling = sorting * scanned / jobs
        print(
            f"    {name}: {took * 1000:.2f} ms; ceiling (sorting {scanned:,.0f} jobs) "
            f"{ceiling * 1000:.2f} ms"
        )
    tried = next(iter(kept.tried), job)
    _, reporting = timed(lambda: len(render.job_report([kept], tried, _exclusions)))
    _, walking = timed(lambda: _walk(round, tried))
    print(
        f"    job report: {reporting * 1000:.2f} ms; ceiling (10 eligibility walks over "
        f"{nodes:,} nodes) {10 * walking * 1000:.2f} ms"
    )


def _exclusions(round: PoolRound, job_id: str) -> list[tuple[int, str]] | None:
    job = round.tried.get(job_id)
    return None if job is None else excluded_nodes(round, job)


def _walk(round: SchedulingRound, job_id: str) -> int:
    job = next(j for j in round.jobs if j.id == job_id)
    constraints = constraints_of(job)
    return sum(
        mismatch(constraints, n.id, n.labels, n.taints, n.unschedulable) is None
        for n in round.nodes
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--queues", type=int, default=100)
    parser.add_argument("--nodes", type=int, default=1_000)
    args = parser.parse_args()
    scenario(args.jobs, args.queues, args.nodes)
    scenario(args.jobs, args.queues, args.nodes // 10)


if __name__ == "__main__":
    main()
