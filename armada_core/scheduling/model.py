"""The scheduler's inputs: queued jobs, nodes, running runs, and one pass over a pool.

Resources are exact integers in nano-units (`Quantity.nanos`: 1 CPU = 10**9, 1 Gi of
memory = 2**30 * 10**9), keyed by resource name; `units_of` converts Kubernetes text.
Queues are the stored `armada_core.queues.Queue` records themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from armada_core.quantity import parse_quantity
from armada_core.queues import Queue
from armada_core.scheduling.matching import NodeAffinity, Taint, Toleration
from armada_core.submission.gangs import GangInfo

Resources = Mapping[str, int]


def units_of(quantities: Mapping[str, str]) -> dict[str, int]:
    """Kubernetes quantity text (`{"cpu": "500m"}`) as exact nano-units."""
    return {name: parse_quantity(text).nanos for name, text in quantities.items()}


@dataclass(frozen=True, slots=True)
class QueuedJob:
    """A job waiting for a node.

    `submitted_ns` orders jobs of equal priority (earlier first, then by id). An empty
    `priority_class` means the configured default. `gang` is None for a lone job.
    """

    id: str
    queue: str
    job_set: str
    requests: Resources
    priority_class: str = ""
    priority: int = 0
    submitted_ns: int = 0
    tolerations: tuple[Toleration, ...] = ()
    node_selector: Mapping[str, str] = field(default_factory=dict)
    node_affinity: NodeAffinity | None = None
    gang: GangInfo | None = None


@dataclass(frozen=True, slots=True)
class Node:
    """A node as its executor last reported it.

    `non_armada_allocated` is keyed by pod priority, as in the executor's NodeInfo;
    Armada cannot preempt pods it does not own, so all of it is taken as used at
    every priority. A node of a `cordoned` executor takes no new job; what runs there
    keeps running and counts toward its queue's share.
    """

    id: str
    executor: str
    pool: str
    total: Resources
    non_armada_allocated: Mapping[int, Resources] = field(default_factory=dict)
    taints: tuple[Taint, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    unschedulable: bool = False
    cordoned: bool = False


@dataclass(frozen=True, slots=True)
class RunningRun:
    """A leased, not yet finished run, holding `requests` on `node_id`.

    `priority` is the priority it was scheduled at. `leased_ns` orders victims of a
    preemption (the most recently leased goes first among equals).
    """

    id: str
    job_id: str
    queue: str
    node_id: str
    requests: Resources
    priority_class: str
    priority: int
    preemptible: bool
    gang_id: str = ""
    leased_ns: int = 0


@dataclass(frozen=True, slots=True)
class TokenBucket:
    """A rate limiter's state: `tokens` as of `at_ns`; an absent bucket is full."""

    tokens: float
    at_ns: int


@dataclass(frozen=True, slots=True)
class RateState:
    """The token buckets carried from one pass to the next."""

    overall: TokenBucket | None = None
    by_queue: Mapping[str, TokenBucket] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SchedulingRound:
    """Everything one pass over `pool` looks at.

    Nodes of other pools are ignored, and with them their runs. Jobs do not name a
    pool: the caller schedules pools one after another and leaves out what an
    earlier pool placed.
    """

    pool: str
    now_ns: int
    queues: tuple[Queue, ...]
    jobs: tuple[QueuedJob, ...]
    nodes: tuple[Node, ...]
    runs: tuple[RunningRun, ...] = ()
    rate_state: RateState = field(default_factory=RateState)
