"""Builders for scheduler inputs, in whole CPUs and GiB, and result helpers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from armada_core.queues import Queue
from armada_core.scheduling import (
    Node,
    QueuedJob,
    RunningRun,
    SchedulingConfig,
    SchedulingResult,
    SchedulingRound,
    schedule,
)
from armada_core.submission import GangInfo

CPU = 10**9
GI = 2**30 * 10**9
UNLIMITED = SchedulingConfig(maximum_scheduling_rate=None, maximum_per_queue_scheduling_rate=None)


def res(cpu: float = 1, memory: float = 1, **other: int) -> dict[str, int]:
    return {"cpu": int(cpu * CPU), "memory": int(memory * GI), **other}


def node(id: str, cpu: float = 8, memory: float = 32, **fields: Any) -> Node:
    fields.setdefault("executor", "ex")
    fields.setdefault("pool", "default")
    return Node(id=id, total=res(cpu, memory), **fields)


def job(
    id: str,
    queue: str = "q",
    cpu: float = 1,
    memory: float = 1,
    gang: tuple[str, int] | None = None,
    uniformity: str = "",
    **fields: Any,
) -> QueuedJob:
    info = GangInfo(gang[0], gang[1], uniformity) if gang else None
    return QueuedJob(
        id=id, queue=queue, job_set="s", requests=res(cpu, memory), gang=info, **fields
    )


def run(
    id: str,
    node_id: str,
    queue: str = "q",
    cpu: float = 1,
    memory: float = 1,
    priority_class: str = "armada-preemptible",
    priority: int = 1000,
    preemptible: bool = True,
    **fields: Any,
) -> RunningRun:
    return RunningRun(
        id=id,
        job_id=f"job-{id}",
        queue=queue,
        node_id=node_id,
        requests=res(cpu, memory),
        priority_class=priority_class,
        priority=priority,
        preemptible=preemptible,
        **fields,
    )


def queues(**factors: float) -> tuple[Queue, ...]:
    return tuple(Queue(name, priority_factor=factor) for name, factor in factors.items())


def one_pass(
    jobs: list[QueuedJob],
    nodes: list[Node],
    runs: list[RunningRun] | tuple[RunningRun, ...] = (),
    queue_list: tuple[Queue, ...] = (),
    config: SchedulingConfig = UNLIMITED,
    now_ns: int = 0,
    **fields: Any,
) -> SchedulingResult:
    return schedule(
        config,
        SchedulingRound(
            pool="default",
            now_ns=now_ns,
            queues=queue_list,
            jobs=tuple(jobs),
            nodes=tuple(nodes),
            runs=tuple(runs),
            **fields,
        ),
    )


def placed(result: SchedulingResult) -> dict[str, str]:
    """job id -> node id"""
    return {p.job_id: p.node_id for p in result.placements}


def per_queue(result: SchedulingResult) -> Mapping[str, int]:
    counts: dict[str, int] = {}
    for p in result.placements:
        counts[p.queue] = counts.get(p.queue, 0) + 1
    return counts
