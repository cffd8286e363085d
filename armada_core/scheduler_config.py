"""The scheduler's settings (decision E3), as plain typed values.

The composition root parses the `scheduler:` section of the server config (Go
durations, Armada's key names) into this; the core never sees YAML. What one
scheduling pass needs (priority classes, fair-share and rate settings, the node id
label) is the fair-share scheduler's own `SchedulingConfig`, held here as `scheduling`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from armada_core.scheduling import PriorityClass, SchedulingConfig

NS_PER_S = 1_000_000_000
_PERIOD_KEYS = {
    "schedule_period_ns": "schedulePeriod",
    "cycle_period_ns": "cyclePeriod",
    "executor_timeout_ns": "executorTimeout",
    "scheduling_executor_timeout_ns": "scheduling.executorTimeout",
}


@dataclass(frozen=True, slots=True)
class SchedulerConfig:
    """How and when jobs are placed on executors, and when leases expire.

    - `schedule_period_ns`: time between scheduling passes (Armada's `schedulePeriod`).
    - `cycle_period_ns`: time between checks for expired leases (`cyclePeriod`).
    - `executor_timeout_ns`: an executor silent this long loses its runs (`lease_expired`).
    - `scheduling_executor_timeout_ns`: an executor silent this long gets no new runs.
    - `max_retries`: returned leases requeue a job while its runs number at most this.
    - `priority_class_override`: replaces a leased pod's `priorityClassName` ("" keeps it).
    - `scheduling`: the settings of each scheduling pass.
    """

    schedule_period_ns: int = NS_PER_S
    cycle_period_ns: int = NS_PER_S
    executor_timeout_ns: int = 3600 * NS_PER_S
    scheduling_executor_timeout_ns: int = 600 * NS_PER_S
    max_retries: int = 3
    priority_class_override: str = ""
    scheduling: SchedulingConfig = field(default_factory=SchedulingConfig)

    def __post_init__(self) -> None:
        for name, key in _PERIOD_KEYS.items():  # Armada's keys, so the message names one
            if getattr(self, name) <= 0:
                raise ValueError(f"{key} must be positive")
        if self.max_retries < 0:
            raise ValueError("scheduling.maxRetries must not be negative")

    def priority_class(self, name: str) -> PriorityClass:
        """The named class, or the default one for an empty or unknown name."""
        found = self.scheduling.priority_class(name)
        if found is not None:
            return found
        return self.scheduling.priority_classes[self.scheduling.default_priority_class_name]
