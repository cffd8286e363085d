"""Properties of the scheduler over random pools (hypothesis)."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scheduling_support import CPU, GI, UNLIMITED, job, node, one_pass, res, run

from armada_core.queues import Queue
from armada_core.scheduling import (
    Node,
    PriorityClass,
    QueuedJob,
    RunningRun,
    SchedulingResult,
    Taint,
    Toleration,
)

CLASSES = {
    "low": PriorityClass(100, preemptible=True),
    "mid": PriorityClass(500, preemptible=True),
    "high": PriorityClass(1000, preemptible=False),
}
CONFIG = replace(UNLIMITED, priority_classes=CLASSES, default_priority_class_name="low")
QUEUES = ("q1", "q2", "q3")
SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def pools(draw: st.DrawFn) -> tuple[list[QueuedJob], list[Node], list[RunningRun]]:
    nodes = [
        node(
            f"n{i}",
            cpu=draw(st.integers(1, 8)),
            memory=draw(st.integers(1, 16)),
            labels={"zone": draw(st.sampled_from("ab"))},
            taints=draw(st.sampled_from([(), (Taint("t", "x"),)])),
        )
        for i in range(draw(st.integers(1, 6)))
    ]
    jobs = []
    for i in range(draw(st.integers(0, 25))):
        # Members of one gang agree on cardinality and uniformity label, as submit checks.
        gang = draw(st.sampled_from([None, None, None, ("g1", 2, ""), ("g2", 3, "zone")]))
        jobs.append(
            job(
                f"j{i:03}",
                draw(st.sampled_from(QUEUES)),
                cpu=draw(st.integers(1, 4)) / 2,
                memory=draw(st.integers(1, 4)),
                gang=(gang[0] + draw(st.sampled_from(QUEUES)), gang[1]) if gang else None,
                uniformity=gang[2] if gang else "",
                priority_class=draw(st.sampled_from(sorted(CLASSES))),
                tolerations=draw(st.sampled_from([(), (Toleration("t", "Exists"),)])),
                submitted_ns=draw(st.integers(0, 3)),
            )
        )
    return jobs, nodes, _valid_runs(draw, nodes)


def _valid_runs(draw: st.DrawFn, nodes: list[Node]) -> list[RunningRun]:
    runs: list[RunningRun] = []
    for i in range(draw(st.integers(0, 15))):
        target = draw(st.sampled_from(nodes))
        name = draw(st.sampled_from(sorted(CLASSES)))
        candidate = run(
            f"r{i:03}",
            target.id,
            draw(st.sampled_from(QUEUES)),
            cpu=draw(st.integers(1, 4)) / 2,
            memory=draw(st.integers(1, 4)),
            priority_class=name,
            priority=CLASSES[name].priority,
            preemptible=CLASSES[name].preemptible,
            gang_id=draw(st.sampled_from(["", "", "rg1", "rg2"])),
        )
        if not _overcommitted(target, [r for r in runs if r.node_id == target.id] + [candidate]):
            runs.append(candidate)
    return runs


def _overcommitted(target: Node, held: list[tuple[int, bool, dict[str, int]]] | list) -> bool:
    """Over capacity at some priority level: items counted at the levels up to their
    own priority if preemptible, at every level if not."""
    levels = sorted({pc.priority for pc in CLASSES.values()})
    for level in levels:
        used: dict[str, int] = defaultdict(int)
        for item in held:
            if not item.preemptible or item.priority >= level:
                for name, amount in item.requests.items():
                    used[name] += amount
        if any(used[name] > target.total.get(name, 0) for name in used):
            return True
    return False


def _after(jobs: list[QueuedJob], runs: list[RunningRun], result: SchedulingResult) -> list:
    gone = {p.run_id for p in result.preemptions}
    by_id = {j.id: j for j in jobs}
    still = [r for r in runs if r.id not in gone]
    for p in result.placements:
        queued = by_id[p.job_id]
        still.append(
            run(
                f"new-{p.job_id}",
                p.node_id,
                queued.queue,
                priority_class=queued.priority_class,
                priority=p.priority,
                preemptible=CLASSES[queued.priority_class].preemptible,
            )
        )
        still[-1] = replace(still[-1], requests=queued.requests)
    return still


@SLOW
@given(pools())
def test_never_overcommits_a_node_at_any_priority(pool: tuple) -> None:
    jobs, nodes, runs = pool
    result = one_pass(jobs, nodes, runs, config=CONFIG)
    held = _after(jobs, runs, result)
    for target in nodes:
        assert not _overcommitted(target, [h for h in held if h.node_id == target.id])


@SLOW
@given(pools())
def test_never_splits_a_gang(pool: tuple) -> None:
    jobs, nodes, runs = pool
    result = one_pass(jobs, nodes, runs, config=CONFIG)
    placed = {p.job_id for p in result.placements}
    # A gang is (queue, gang id): the same id in two queues names two gangs. A queue
    # may hold more members than the cardinality (nothing refuses it at submit); they
    # are then placed a whole gang at a time, never a part of one.
    members: dict[tuple[str, str], list[QueuedJob]] = defaultdict(list)
    for queued in jobs:
        if queued.gang is not None:
            members[queued.queue, queued.gang.id].append(queued)
    for gang in members.values():
        count = sum(m.id in placed for m in gang)
        assert count % gang[0].gang.cardinality == 0  # type: ignore[union-attr]
        zones = {
            next(n for n in nodes if n.id == p.node_id).labels["zone"]
            for p in result.placements
            if p.job_id in {m.id for m in gang}
        }
        whole = count == gang[0].gang.cardinality  # type: ignore[union-attr]
        if whole and gang[0].gang.node_uniformity:  # type: ignore[union-attr]
            assert len(zones) == 1
    preempted = {p.run_id for p in result.preemptions}
    running_gangs: dict[tuple[str, str], set[bool]] = defaultdict(set)
    for r in runs:
        if r.gang_id:
            running_gangs[r.queue, r.gang_id].add(r.id in preempted)
    assert all(len(outcomes) == 1 for outcomes in running_gangs.values())


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(1, 4), min_size=2, max_size=4),
    st.integers(4, 40),
    st.booleans(),
)
def test_allocation_converges_to_fair_shares_under_unbounded_demand(
    factors: list[int], cpus: int, first_queue_holds_the_pool: bool
) -> None:
    names = [f"q{i}" for i in range(len(factors))]
    queue_list = tuple(Queue(n, priority_factor=f) for n, f in zip(names, factors, strict=True))
    jobs = [job(f"{n}-{k:03}", n, memory=0) for n in names for k in range(cpus)]
    nodes = [node("n1", cpu=cpus, memory=1)]
    runs = (
        [run(f"r{k:03}", "n1", names[0], memory=0) for k in range(cpus)]
        if first_queue_holds_the_pool
        else []
    )
    result = one_pass(jobs, nodes, runs, queue_list=queue_list)
    total_weight = sum(1 / f for f in factors)
    for name, factor in zip(names, factors, strict=True):
        share = result.queue_shares[name]
        assert abs(share.fair_share - (1 / factor) / total_weight) < 1e-9
        # Whole 1-CPU jobs handed out by smallest (allocation + 1) / weight: D'Hondt's
        # apportionment, which never leaves a queue a whole job below its exact share
        # and never puts it n - 1 jobs above.
        job_share, slack = 1 / cpus, 1e-9
        assert share.allocated_share > share.fair_share - job_share - slack
        assert share.allocated_share < share.fair_share + (len(factors) - 1) * job_share + slack
    assert sum(s.allocated_share for s in result.queue_shares.values()) > 1 - 1e-9


@SLOW
@given(pools(), st.randoms(use_true_random=False))
def test_same_input_same_output_in_any_order(pool: tuple, rng: random.Random) -> None:
    jobs, nodes, runs = pool
    queue_list = tuple(Queue(n, priority_factor=1 + i) for i, n in enumerate(QUEUES))
    first = one_pass(jobs, nodes, runs, queue_list=queue_list, config=CONFIG)
    assert one_pass(jobs, nodes, runs, queue_list=queue_list, config=CONFIG) == first
    shuffled = [list(x) for x in (jobs, nodes, runs, queue_list)]
    for items in shuffled:
        rng.shuffle(items)
    again = one_pass(
        shuffled[0], shuffled[1], shuffled[2], queue_list=tuple(shuffled[3]), config=CONFIG
    )
    assert again == first


def test_the_overcommit_check_can_fail() -> None:
    full = node("n1", cpu=1)
    assert _overcommitted(full, [run("a", "n1"), run("b", "n1")])
    assert not _overcommitted(full, [run("a", "n1")])
    assert res(cpu=1)["cpu"] == CPU and res(memory=1)["memory"] == GI
