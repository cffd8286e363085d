"""Scheduler settings, named after Armada's `scheduling.*` keys (decision E3).

Defaults are those of Armada's `config/scheduler/config.yaml`. Resource fractions
are per resource name; a resource a fraction map does not name is not limited.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_PRIORITY_CLASS = "armada-default"
PREEMPTIBLE_PRIORITY_CLASS = "armada-preemptible"
DRF_RESOURCES = ("cpu", "memory", "nvidia.com/gpu", "ephemeral-storage")


@dataclass(frozen=True, slots=True)
class PriorityClass:
    """`priorityClasses.<name>`: its priority, whether it may be preempted, and the
    share of the pool one queue may hold in it (`maximumResourceFractionPerQueue`)."""

    priority: int
    preemptible: bool = False
    maximum_resource_fraction_per_queue: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A token bucket's shape: `rate` jobs per second, at most `burst` saved up."""

    rate: float
    burst: int

    def __post_init__(self) -> None:
        if self.rate < 0 or self.burst < 0:
            raise ValueError("a scheduling rate and burst cannot be negative")


def _default_priority_classes() -> dict[str, PriorityClass]:
    whole = {"cpu": 1.0, "memory": 1.0}
    return {
        DEFAULT_PRIORITY_CLASS: PriorityClass(1000, False, whole),
        PREEMPTIBLE_PRIORITY_CLASS: PriorityClass(1000, True, whole),
    }


@dataclass(frozen=True, slots=True)
class SchedulingConfig:
    """What one scheduling pass needs to know besides its inputs.

    - `protected_fraction_of_fair_share`: a queue's preemptible jobs are evicted (and
      offered their node back) only while the queue holds more than this multiple of
      its fair share.
    - `maximum_resource_fraction_to_schedule`: most of the pool one pass may hand out.
    - `maximum_scheduling_rate`, `maximum_per_queue_scheduling_rate`: token buckets
      for new placements, overall and per queue; None means unlimited.
    - `max_queue_lookback`: queued jobs looked at per queue and pass.
    - `node_id_label`: the label naming a node; a node without it is taken to carry
      it with its id as value, so a job pinned by that label finds its node.
    """

    priority_classes: Mapping[str, PriorityClass] = field(default_factory=_default_priority_classes)
    default_priority_class_name: str = DEFAULT_PRIORITY_CLASS
    protected_fraction_of_fair_share: float = 1.0
    maximum_resource_fraction_to_schedule: Mapping[str, float] = field(
        default_factory=lambda: {"cpu": 1.0, "memory": 1.0}
    )
    maximum_scheduling_rate: RateLimit | None = RateLimit(100.0, 1000)
    maximum_per_queue_scheduling_rate: RateLimit | None = RateLimit(50.0, 1000)
    max_queue_lookback: int = 100_000
    dominant_resource_fairness_resources_to_consider: tuple[str, ...] = DRF_RESOURCES
    node_id_label: str = "kubernetes.io/hostname"

    def __post_init__(self) -> None:
        if self.default_priority_class_name not in self.priority_classes:
            raise ValueError(
                f"defaultPriorityClassName {self.default_priority_class_name} is not one of "
                f"the priorityClasses {sorted(self.priority_classes)}"
            )
        if self.max_queue_lookback < 1:
            raise ValueError("maxQueueLookback must be at least 1")
        if not self.dominant_resource_fairness_resources_to_consider:
            raise ValueError("dominantResourceFairnessResourcesToConsider cannot be empty")

    def priority_class(self, name: str) -> PriorityClass | None:
        """The class a job names; an empty name means the default class."""
        return self.priority_classes.get(name or self.default_priority_class_name)
