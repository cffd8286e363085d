"""The fair-share scheduler: a pure function from one pool's state to decisions.

`schedule(config, round)` takes the queues, queued jobs, nodes and running runs of a
pool (`SchedulingRound`) and returns placements, preemptions and, for every queued
job left waiting, a reason (`SchedulingResult`). See docs/scheduling.md.
"""

from __future__ import annotations

from armada_core.scheduling.config import PriorityClass, RateLimit, SchedulingConfig
from armada_core.scheduling.from_jobs import queued_job
from armada_core.scheduling.matching import NodeSelectorTerm, Requirement, Taint, Toleration
from armada_core.scheduling.model import (
    Node,
    QueuedJob,
    RateState,
    RunningRun,
    SchedulingRound,
    TokenBucket,
    units_of,
)
from armada_core.scheduling.result import (
    Pending,
    PendingKind,
    Placement,
    Preemption,
    PreemptionKind,
    QueueShare,
    SchedulingResult,
)
from armada_core.scheduling.scheduler import schedule

__all__ = [
    "Node",
    "NodeSelectorTerm",
    "Pending",
    "PendingKind",
    "Placement",
    "Preemption",
    "PreemptionKind",
    "PriorityClass",
    "QueueShare",
    "QueuedJob",
    "RateLimit",
    "RateState",
    "Requirement",
    "RunningRun",
    "SchedulingConfig",
    "SchedulingResult",
    "SchedulingRound",
    "Taint",
    "TokenBucket",
    "Toleration",
    "queued_job",
    "schedule",
    "units_of",
]
