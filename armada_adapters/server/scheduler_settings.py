"""The `scheduler:` section of the server config (decision E3) → `SchedulerConfig`.

Key names are Armada's scheduler config keys, matched ignoring case; durations are in
Go syntax (`200ms`, `1m30s`). Armada keys that this scheduler does not use yet are
accepted with a warning, so an Armada config carries over; any other key is refused.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from armada_core.scheduler_config import PriorityClass, SchedulerConfig
from armada_core.submission._config_values import duration
from armada_core.submission._go import duration_nanos

logger = logging.getLogger(__name__)

_TOP = ("cyclePeriod", "schedulePeriod", "executorTimeout", "scheduling")
_TOP_IGNORED = (
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
_SCHEDULING = (
    "maxRetries",
    "nodeIdLabel",
    "priorityClasses",
    "defaultPriorityClassName",
    "priorityClassNameOverride",
    "executorTimeout",
)
_SCHEDULING_IGNORED = (
    "pools",
    "protectedFractionOfFairShare",
    "maximumResourceFractionToSchedule",
    "maximumSchedulingRate",
    "maximumSchedulingBurst",
    "maximumPerQueueSchedulingRate",
    "maximumPerQueueSchedulingBurst",
    "maxQueueLookback",
    "dominantResourceFairnessResourcesToConsider",
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


class SchedulerConfigError(ValueError):
    """The `scheduler:` section cannot be used."""


def scheduler_config(section: Mapping[str, Any]) -> SchedulerConfig:
    """A `SchedulerConfig` from the section (empty: the defaults)."""
    top = _known(section, _TOP, _TOP_IGNORED, "scheduler")
    scheduling = _known(
        _section(top.get("scheduling"), "scheduler.scheduling"),
        _SCHEDULING,
        _SCHEDULING_IGNORED,
        "scheduler.scheduling",
    )
    values: dict[str, Any] = {}
    for key, name in (
        ("schedulePeriod", "schedule_period_ns"),
        ("cyclePeriod", "cycle_period_ns"),
        ("executorTimeout", "executor_timeout_ns"),
    ):
        if key in top:
            values[name] = _nanos(top[key], f"scheduler.{key}")
    if "executorTimeout" in scheduling:
        values["scheduling_executor_timeout_ns"] = _nanos(
            scheduling["executorTimeout"], "scheduler.scheduling.executorTimeout"
        )
    simple = (
        ("maxRetries", "max_retries", int),
        ("nodeIdLabel", "node_id_label", str),
        ("priorityClassNameOverride", "priority_class_override", str),
        ("defaultPriorityClassName", "default_priority_class", str),
    )
    for key, name, kind in simple:
        if key in scheduling:
            values[name] = _typed(scheduling[key], kind, f"scheduler.scheduling.{key}")
    if "priorityClasses" in scheduling:
        values["priority_classes"] = _classes(scheduling["priorityClasses"])
    try:
        return SchedulerConfig(**values)
    except ValueError as exc:
        raise SchedulerConfigError(str(exc)) from None


def _known(
    data: Mapping[str, Any], known: tuple[str, ...], ignored: tuple[str, ...], where: str
) -> dict[str, Any]:
    names = {k.lower(): k for k in known}
    skipped = {k.lower() for k in ignored}
    values = {}
    for key, value in data.items():
        lower = str(key).lower()
        if lower in names:
            values[names[lower]] = value
        elif lower in skipped:
            logger.warning("config key %s.%s is Armada's but has no effect here", where, key)
        else:
            raise SchedulerConfigError(
                f"unknown config key {where}.{key}; known keys: {', '.join(known)}"
            )
    return values


def _section(value: Any, where: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise SchedulerConfigError(f"{where} must be a mapping")
    return value


def _nanos(value: Any, where: str) -> int:
    try:
        return duration_nanos(duration(value))
    except (TypeError, ValueError) as exc:
        raise SchedulerConfigError(f"{where}: {exc}") from None


def _typed(value: Any, kind: type, where: str) -> Any:
    if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
        raise SchedulerConfigError(f"{where} must be a {kind.__name__}, got {value!r}")
    return value


def _classes(value: Any) -> dict[str, PriorityClass]:
    classes = {}
    for name, spec in _section(value, "scheduler.scheduling.priorityClasses").items():
        where = f"scheduler.scheduling.priorityClasses.{name}"
        fields = {str(k).lower(): v for k, v in _section(spec, where).items()}
        priority = _typed(fields.get("priority", 0), int, f"{where}.priority")
        preemptible = _typed(fields.get("preemptible", False), bool, f"{where}.preemptible")
        classes[str(name)] = PriorityClass(priority, preemptible)
    return classes
