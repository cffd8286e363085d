"""The `scheduler:` section of the server config (decision E3), read by the one policy.

Keys are Armada's scheduler config keys (top level and `scheduling.*`). Armada keys
this scheduler does not use yet are in `armada_unused` (warned once, so an Armada
config carries over); any other key is refused with its path. A key left out keeps
the core's default (`SchedulerConfig`, `SchedulingConfig`): `None` below means "not
given", so no default is written twice.

To add a key: a field on `SchedulerSection` (top level) or `SchedulingSection`
(`scheduling.*`), and its hand-over in `to_core`/`_scheduling_values`.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, ClassVar

from armada_core.retry.engine import RetrySettings
from armada_core.scheduler_config import SchedulerConfig
from armada_core.scheduling import PriorityClass, RateLimit, SchedulingConfig
from armada_core.submission._go import duration_nanos

Fractions = Mapping[str, float]

logger = logging.getLogger(__name__)

_KILL_SWITCH = (
    "scheduler.scheduling.retryPolicy.enabled is true but globalMaxRetries is 0: the retry"
    " engine is active but will never grant a retry (kill-switch semantics). Set"
    " globalMaxRetries above 0 to allow policy retries."
)


@dataclass(frozen=True, slots=True)
class PriorityClassSection:
    """`scheduling.priorityClasses.<name>` (Go's zero values where a key is left out)."""

    priority: int = 0
    preemptible: bool = False
    maximum_resource_fraction_per_queue: Fractions = field(default_factory=dict)

    def to_core(self) -> PriorityClass:
        return PriorityClass(
            self.priority, self.preemptible, dict(self.maximum_resource_fraction_per_queue)
        )


@dataclass(frozen=True, slots=True)
class RetryPolicySection:
    """`scheduling.retryPolicy`: Armada's retry engine switch; on by default here."""

    enabled: bool | None = None
    global_max_retries: int | None = None
    default_policy_name: str | None = None

    def __post_init__(self) -> None:
        settings = self.to_core()  # the core's checks, refused with this section's path
        if settings.enabled and settings.global_max_retries == 0:
            logger.warning(_KILL_SWITCH)

    def to_core(self) -> RetrySettings:
        values = {
            "enabled": self.enabled,
            "global_max_retries": self.global_max_retries,
            "default_policy_name": self.default_policy_name,
        }
        return RetrySettings(**_given(values))


@dataclass(frozen=True, slots=True)
class SchedulingSection:
    """`scheduler.scheduling`: the fair-share scheduler's keys."""

    armada_unused: ClassVar[tuple[str, ...]] = (
        "pools",
        "supportedResourceTypes",
        "resolution",
        "indexedResources",
        "indexedTaints",
        "indexedNodeLabels",
        "wellKnownNodeTypes",
        "maxUnacknowledgedJobsPerExecutor",
        "enableAssertions",
        "enablePreferLargeJobOrdering",
        "maxExtraNodesToConsider",
        "nodeOversubscriptionEvictionProbability",
        "disableScheduling",
        "experimentalIndicativePricing",
        "experimentalIndicativeShare",
    )

    max_retries: int | None = None
    priority_class_name_override: str | None = None
    executor_timeout: timedelta | None = None
    node_id_label: str | None = None
    priority_classes: Mapping[str, PriorityClassSection] | None = None
    default_priority_class_name: str | None = None
    protected_fraction_of_fair_share: float | None = None
    maximum_resource_fraction_to_schedule: Fractions | None = None
    maximum_scheduling_rate: float | None = None
    maximum_scheduling_burst: int | None = None
    maximum_per_queue_scheduling_rate: float | None = None
    maximum_per_queue_scheduling_burst: int | None = None
    max_queue_lookback: int | None = None
    dominant_resource_fairness_resources_to_consider: tuple[str, ...] | None = None
    retry_policy: RetryPolicySection = field(default_factory=RetryPolicySection)

    def __post_init__(self) -> None:
        self.to_core()  # the core's checks, refused with this section's path

    def to_core(self) -> SchedulingConfig:
        return SchedulingConfig(**_given(_scheduling_values(self)))


@dataclass(frozen=True, slots=True)
class SchedulerSection:
    """`scheduler:`; `to_core()` is what the core receives. Checked when read."""

    armada_unused: ClassVar[tuple[str, ...]] = (
        "maxSchedulingDuration",
        "databaseFetchSize",
        "pulsar",
        "postgres",
        "leader",
        "http",
        "grpc",
        "metrics",
        "auth",
        "armadaApi",
        "queueRefreshPeriod",
    )

    cycle_period: timedelta | None = None
    schedule_period: timedelta | None = None
    executor_timeout: timedelta | None = None
    scheduling: SchedulingSection = field(default_factory=SchedulingSection)

    def __post_init__(self) -> None:
        self.to_core()  # the core's checks, so a bad value is refused at start-up

    def to_core(self) -> SchedulerConfig:
        scheduling = self.scheduling
        values = {
            "schedule_period_ns": _nanos(self.schedule_period),
            "cycle_period_ns": _nanos(self.cycle_period),
            "executor_timeout_ns": _nanos(self.executor_timeout),
            "scheduling_executor_timeout_ns": _nanos(scheduling.executor_timeout),
            "max_retries": scheduling.max_retries,
            "priority_class_override": scheduling.priority_class_name_override,
        }
        return SchedulerConfig(**_given(values), scheduling=scheduling.to_core())


def _scheduling_values(section: SchedulingSection) -> dict[str, Any]:
    """`SchedulingConfig`'s fields from the section (None: not given)."""
    classes = section.priority_classes
    fractions = section.maximum_resource_fraction_to_schedule
    resources = section.dominant_resource_fairness_resources_to_consider
    return {
        "priority_classes": None if classes is None else _classes(classes),
        "default_priority_class_name": section.default_priority_class_name,
        "protected_fraction_of_fair_share": section.protected_fraction_of_fair_share,
        "maximum_resource_fraction_to_schedule": None if fractions is None else dict(fractions),
        "maximum_scheduling_rate": _rate(
            "maximum_scheduling_rate",
            section.maximum_scheduling_rate,
            section.maximum_scheduling_burst,
        ),
        "maximum_per_queue_scheduling_rate": _rate(
            "maximum_per_queue_scheduling_rate",
            section.maximum_per_queue_scheduling_rate,
            section.maximum_per_queue_scheduling_burst,
        ),
        "max_queue_lookback": section.max_queue_lookback,
        "dominant_resource_fairness_resources_to_consider": resources,
        "node_id_label": section.node_id_label,
    }


def _classes(classes: Mapping[str, PriorityClassSection]) -> dict[str, PriorityClass]:
    return {name: spec.to_core() for name, spec in classes.items()}


def _rate(name: str, rate: float | None, burst: int | None) -> RateLimit | None:
    """Armada's rate and burst keys as one token bucket; one given keeps the other's default."""
    if rate is None and burst is None:
        return None
    default = _DEFAULT_SCHEDULING_FIELDS[name] or RateLimit(0, 0)
    return RateLimit(
        default.rate if rate is None else rate, default.burst if burst is None else burst
    )


_DEFAULT_SCHEDULING_FIELDS: Mapping[str, Any] = {
    f.name: getattr(SchedulingConfig(), f.name) for f in dataclasses.fields(SchedulingConfig)
}


def _nanos(value: timedelta | None) -> int | None:
    return None if value is None else duration_nanos(value)


def _given(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}
