"""What a round keeps, from a real pass of the pure scheduler: counts, resources, and
each node's exclusion reason in Armada's words."""

from __future__ import annotations

from armada_core.queues import Queue
from armada_core.reports import pool_round
from armada_core.reports.exclusions import excluded_nodes
from armada_core.scheduling import (
    Node,
    QueuedJob,
    RunningRun,
    SchedulingConfig,
    SchedulingRound,
    Taint,
    schedule,
    units_of,
)
from armada_core.submission.gangs import GangInfo

CONFIG = SchedulingConfig()


def job(job_id: str, cpu: str, **kwargs: object) -> QueuedJob:
    requests = units_of({"cpu": cpu, "memory": "1Gi"})
    return QueuedJob(job_id, "q", "js", requests, submitted_ns=int(job_id[-1]), **kwargs)  # type: ignore[arg-type]


def node(name: str, cpu: str, **kwargs: object) -> Node:
    return Node(name, "ex", "default", units_of({"cpu": cpu, "memory": "64Gi"}), **kwargs)  # type: ignore[arg-type]


def test_counts_and_resources_of_a_round() -> None:
    gang = GangInfo("g", 2, "")
    jobs = (job("j1", "1", gang=gang), job("j2", "1", gang=gang), job("j3", "2"))
    running = RunningRun(
        "r1", "j0", "q", "n1", units_of({"cpu": "1"}), "armada-default", 1000, False
    )
    round = SchedulingRound("default", 5, (Queue("q"),), jobs, (node("n1", "8"),), (running,))
    kept = pool_round(CONFIG, round, schedule(CONFIG, round), 7, 0)
    assert (kept.started_ns, kept.finished_ns, kept.gangs_scheduled) == (5, 7, 2)
    queue = kept.queues["q"]
    assert sorted(queue.scheduled) == ["j1", "j2", "j3"]
    assert queue.scheduled_by_class["armada-default"]["cpu"] == 4 * 10**9
    assert queue.allocated_by_class["armada-default"]["cpu"] == 5 * 10**9  # with the run
    assert kept.free["n1"]["cpu"] == 3 * 10**9
    assert kept.termination == "no remaining candidate jobs"


def test_each_node_says_why_in_armadas_words() -> None:
    nodes = (
        node("n1", "8", taints=(Taint("gpu", "true", "NoSchedule"),), labels={"zone": "a"}),
        node("n2", "8", labels={"zone": "b"}),
        node("n3", "8"),
        node("n4", "2", labels={"zone": "a"}),
        node("n5", "8", labels={"zone": "a"}, unschedulable=True),
    )
    picky = job("j1", "4", node_selector={"zone": "a"})
    round = SchedulingRound("default", 0, (Queue("q"),), (picky,), nodes)
    result = schedule(CONFIG, round)
    kept = pool_round(CONFIG, round, result, 0, 0)
    assert kept.queues["q"].unschedulable["j1"].startswith("job does not fit on any node: ")
    assert sorted(excluded_nodes(kept, kept.tried["j1"]), key=lambda item: item[1]) == [
        (1, "node does not match pod NodeSelector: label zone not set"),
        (1, "node does not match pod NodeSelector: required label zone = a, but node has b"),
        (1, "node is unschedulable (cordoned)"),
        (1, "pod requires 4 cpu, but only 2 is available"),
        (1, "taint gpu=true:NoSchedule not tolerated"),
    ]
