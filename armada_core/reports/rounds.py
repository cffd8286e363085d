"""What the scheduler keeps of a pool's most recent round, for its reports (spec 3.2).

Built once per pool and pass from the pass's inputs and result (`build.pool_round`),
then only read. It holds the jobs that round looked at and nothing older, so memory
stays bounded by one round's queued jobs per pool.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from armada_core.scheduling import Node, Placement, QueuedJob

Resources = Mapping[str, int]
ByClass = Mapping[str, Resources]  # priority class name → amounts


@dataclass(frozen=True, slots=True)
class QueueRound:
    """One queue with demand in the pool: what the round did for it.

    `unschedulable` maps each job the round tried and left waiting to its reason.
    """

    name: str
    scheduled: tuple[str, ...]
    preempted: tuple[str, ...]
    scheduled_by_class: ByClass
    preempted_by_class: ByClass
    allocated_by_class: ByClass
    unschedulable: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class PoolRound:
    """One pool's round. `uptime_ns` is the process's age at `started_ns` (Go's m=+).

    For node exclusions, asked for one job at a time: the pool's `nodes`, what each
    had `free` once the round was done, the jobs that tried nodes and found none
    (`tried`), and where the placed jobs went (`placed`).
    """

    pool: str
    started_ns: int
    finished_ns: int
    uptime_ns: int
    termination: str
    resource_order: tuple[str, ...]
    capacity: Resources
    gangs_scheduled: int
    queues: Mapping[str, QueueRound]
    nodes: tuple[Node, ...]
    free: Mapping[str, Resources]
    node_id_label: str
    placed: Mapping[str, Placement]
    tried: Mapping[str, QueuedJob]

    def queue_of(self, job_id: str) -> QueueRound | None:
        """The queue whose round scheduled the job or left it waiting, if any."""
        placement = self.placed.get(job_id)
        if placement is not None:
            return self.queues[placement.queue]
        return next((q for q in self.queues.values() if job_id in q.unschedulable), None)

    def reason(self, job_id: str) -> str | None:
        """Why the round left the job waiting (None if it did not try it or placed it)."""
        queue = self.queue_of(job_id)
        return None if queue is None else queue.unschedulable.get(job_id)
