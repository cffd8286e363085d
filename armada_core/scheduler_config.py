"""The scheduler's settings (decision E3), as plain typed values.

The composition root parses the `scheduler:` section of the server config (Go
durations, Armada's key names) into this; the core never sees YAML.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

NS_PER_S = 1_000_000_000


@dataclass(frozen=True, slots=True)
class PriorityClass:
    """A scheduling priority class: its priority and whether it may be preempted."""

    priority: int
    preemptible: bool = False


def _default_classes() -> dict[str, PriorityClass]:
    return {
        "armada-default": PriorityClass(1000, preemptible=False),
        "armada-preemptible": PriorityClass(1000, preemptible=True),
    }


@dataclass(frozen=True, slots=True)
class SchedulerConfig:
    """How and when jobs are placed on executors, and when leases expire.

    - `schedule_period_ns`: time between scheduling passes (Armada's `schedulePeriod`).
    - `cycle_period_ns`: time between checks for expired leases (`cyclePeriod`).
    - `executor_timeout_ns`: an executor silent this long loses its runs (`lease_expired`).
    - `scheduling_executor_timeout_ns`: an executor silent this long gets no new runs.
    - `max_retries`: returned leases requeue a job while its runs number at most this.
    - `node_id_label`: the node selector key that pins a leased pod to its node.
    - `priority_class_override`: replaces a leased pod's `priorityClassName` ("" keeps it).
    """

    schedule_period_ns: int = NS_PER_S
    cycle_period_ns: int = NS_PER_S
    executor_timeout_ns: int = 3600 * NS_PER_S
    scheduling_executor_timeout_ns: int = 600 * NS_PER_S
    max_retries: int = 3
    node_id_label: str = "kubernetes.io/hostname"
    priority_class_override: str = ""
    default_priority_class: str = "armada-default"
    priority_classes: Mapping[str, PriorityClass] = field(default_factory=_default_classes)

    def __post_init__(self) -> None:
        periods = ("schedule_period_ns", "cycle_period_ns", "executor_timeout_ns")
        for name in (*periods, "scheduling_executor_timeout_ns"):
            if getattr(self, name) <= 0:
                raise ValueError(f"scheduler {name} must be positive")
        if self.max_retries < 0:
            raise ValueError("scheduler maxRetries must not be negative")
        if self.default_priority_class not in self.priority_classes:
            raise ValueError(
                f"default priority class {self.default_priority_class!r} is not configured"
            )

    def priority_class(self, name: str) -> PriorityClass:
        """The named class, or the default one for an empty or unknown name."""
        found = self.priority_classes.get(name)
        return found if found is not None else self.priority_classes[self.default_priority_class]
