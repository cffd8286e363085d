"""What a scheduling pass decides: placements, preemptions, and why the rest waits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from armada_core.scheduling.model import RateState


class PendingKind(Enum):
    """Why a queued job was not placed in this pass (see docs/scheduling.md)."""

    NO_NODES = "no_nodes"
    NO_MATCHING_NODE = "no_matching_node"
    DOES_NOT_FIT = "does_not_fit"
    GANG_INCOMPLETE = "gang_incomplete"
    GANG_DOES_NOT_FIT = "gang_does_not_fit"
    QUEUE_CORDONED = "queue_cordoned"
    EXECUTOR_CORDONED = "executor_cordoned"
    QUEUE_LIMIT = "queue_limit"
    ROUND_LIMIT = "round_limit"
    RATE_LIMITED = "rate_limited"
    LOOKBACK = "lookback"
    UNKNOWN_PRIORITY_CLASS = "unknown_priority_class"


class PreemptionKind(Enum):
    """Why a running run is to be preempted."""

    FAIR_SHARE = "fair_share"
    URGENCY = "urgency"
    GANG = "gang"


@dataclass(frozen=True, slots=True)
class Pending:
    kind: PendingKind
    message: str


@dataclass(frozen=True, slots=True)
class Placement:
    """Lease `job_id` to `executor` on `node_id`, scheduled at `priority`."""

    job_id: str
    queue: str
    node_id: str
    executor: str
    priority: int


@dataclass(frozen=True, slots=True)
class Preemption:
    run_id: str
    job_id: str
    queue: str
    node_id: str
    kind: PreemptionKind
    reason: str


@dataclass(frozen=True, slots=True)
class QueueShare:
    """A queue's standing in the pool, as fractions of it (dominant resource).

    `fair_share` is its weight's part of the pool; `adjusted_fair_share` the same
    capped by its demand, the unused rest shared among the others; `allocated_share`
    is what it holds after the pass.
    """

    weight: float
    fair_share: float
    adjusted_fair_share: float
    demand_share: float
    allocated_share: float


@dataclass(frozen=True, slots=True)
class SchedulingResult:
    """Placements in the order they were made; preemptions and pending by id."""

    placements: tuple[Placement, ...]
    preemptions: tuple[Preemption, ...]
    pending: Mapping[str, Pending]
    rate_state: RateState
    queue_shares: Mapping[str, QueueShare]
