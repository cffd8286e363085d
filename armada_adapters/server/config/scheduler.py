"""The `scheduler:` section of the server config (decision E3) → `SchedulerConfig`.

Key names are Armada's scheduler config keys (top level and `scheduling.*`), matched
ignoring case; durations under the one policy (`armada_config.durations`). Armada keys
that this scheduler does not use yet are accepted with a warning, so an Armada config
carries over; any other key is refused.

TODO(config): this is the executor-API branch's hand-written reader, kept as it was
merged; the next step is a frozen dataclass section read by `armada_config.policy`
(`ServerConfig.scheduler: SchedulerSection`), which retires `_known_keys`, `_typed`
and `_section` below (a second key-matching rule) and makes `scheduler` typed instead
of a mapping handed over.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from armada_config.durations import read_go_duration
from armada_core.retry.engine import RetrySettings
from armada_core.scheduler_config import SchedulerConfig
from armada_core.scheduling import PriorityClass, RateLimit, SchedulingConfig
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
    "priorityClassNameOverride",
    "executorTimeout",
    "nodeIdLabel",
    "priorityClasses",
    "defaultPriorityClassName",
    "protectedFractionOfFairShare",
    "maximumResourceFractionToSchedule",
    "maximumSchedulingRate",
    "maximumSchedulingBurst",
    "maximumPerQueueSchedulingRate",
    "maximumPerQueueSchedulingBurst",
    "maxQueueLookback",
    "dominantResourceFairnessResourcesToConsider",
    "retryPolicy",
)
_RETRY_POLICY = ("enabled", "globalMaxRetries", "defaultPolicyName")
_KILL_SWITCH = (
    "scheduling.retryPolicy.enabled is true but globalMaxRetries is 0: the retry engine is"
    " active but will never grant a retry (kill-switch semantics). Set globalMaxRetries"
    " above 0 to allow policy retries."
)
_SCHEDULING_IGNORED = (
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


class SchedulerConfigError(ValueError):
    """The `scheduler:` section cannot be used."""


def scheduler_config(section: Mapping[str, Any]) -> SchedulerConfig:
    """A `SchedulerConfig` from the section (empty: the defaults)."""
    top = _known_keys(section, _TOP, _TOP_IGNORED, where="scheduler", error=SchedulerConfigError)
    where = "scheduler.scheduling"
    scheduling = _known_keys(
        _section(top.get("scheduling"), where),
        _SCHEDULING,
        _SCHEDULING_IGNORED,
        where=where,
        error=SchedulerConfigError,
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
            scheduling["executorTimeout"], f"{where}.executorTimeout"
        )
    for key, name, kind in (
        ("maxRetries", "max_retries", int),
        ("priorityClassNameOverride", "priority_class_override", str),
    ):
        if key in scheduling:
            values[name] = _typed(scheduling[key], kind, f"{where}.{key}")
    try:
        return SchedulerConfig(**values, scheduling=_scheduling(scheduling))
    except ValueError as exc:
        raise SchedulerConfigError(str(exc)) from None


def retry_settings(section: Mapping[str, Any]) -> RetrySettings:
    """`scheduler.scheduling.retryPolicy` (Armada's keys); on by default here."""
    top = _known_keys(
        section, _TOP, _TOP_IGNORED, where="scheduler", error=SchedulerConfigError, quiet=True
    )
    where = "scheduler.scheduling"
    scheduling = _known_keys(
        _section(top.get("scheduling"), where),
        _SCHEDULING,
        _SCHEDULING_IGNORED,
        where=where,
        error=SchedulerConfigError,
        quiet=True,
    )
    where += ".retryPolicy"
    keys = _known_keys(
        _section(scheduling.get("retryPolicy"), where),
        _RETRY_POLICY,
        (),
        where=where,
        error=SchedulerConfigError,
    )
    default = RetrySettings()
    enabled = _typed(keys.get("enabled", default.enabled), bool, f"{where}.enabled")
    limit = keys.get("globalMaxRetries", default.global_max_retries)
    limit = _typed(limit, int, f"{where}.globalMaxRetries")
    name = keys.get("defaultPolicyName", default.default_policy_name)
    name = _typed(name, str, f"{where}.defaultPolicyName")
    if limit < 0:
        raise SchedulerConfigError(f"{where}.globalMaxRetries must not be negative")
    if enabled and limit == 0:
        logger.warning(_KILL_SWITCH)
    return RetrySettings(enabled, limit, name)


def _scheduling(keys: Mapping[str, Any]) -> SchedulingConfig:
    """The fair-share scheduler's settings from `scheduler.scheduling`."""
    where = "scheduler.scheduling"
    values: dict[str, Any] = {}
    for key, name, read in (
        ("nodeIdLabel", "node_id_label", lambda v, w: _typed(v, str, w)),
        ("defaultPriorityClassName", "default_priority_class_name", lambda v, w: _typed(v, str, w)),
        ("protectedFractionOfFairShare", "protected_fraction_of_fair_share", _number),
        ("maximumResourceFractionToSchedule", "maximum_resource_fraction_to_schedule", _fractions),
        ("maxQueueLookback", "max_queue_lookback", lambda v, w: _typed(v, int, w)),
        (
            "dominantResourceFairnessResourcesToConsider",
            "dominant_resource_fairness_resources_to_consider",
            _names,
        ),
        ("priorityClasses", "priority_classes", lambda v, w: _classes(v)),
    ):
        if key in keys:
            values[name] = read(keys[key], f"{where}.{key}")
    for prefix, name in (
        ("maximumScheduling", "maximum_scheduling_rate"),
        ("maximumPerQueueScheduling", "maximum_per_queue_scheduling_rate"),
    ):
        if f"{prefix}Rate" in keys or f"{prefix}Burst" in keys:
            default = getattr(SchedulingConfig(), name) or RateLimit(0, 0)
            rate = _number(keys.get(f"{prefix}Rate", default.rate), f"{where}.{prefix}Rate")
            burst = _typed(keys.get(f"{prefix}Burst", default.burst), int, f"{where}.{prefix}Burst")
            values[name] = RateLimit(rate, burst)
    return SchedulingConfig(**values)


def _section(value: Any, where: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise SchedulerConfigError(f"{where} must be a mapping")
    return value


def _nanos(value: Any, where: str) -> int:
    try:
        return duration_nanos(read_go_duration(value, where))
    except (TypeError, ValueError) as exc:
        raise SchedulerConfigError(str(exc)) from None


def _typed(value: Any, kind: type, where: str) -> Any:
    if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
        raise SchedulerConfigError(f"{where} must be a {kind.__name__}, got {value!r}")
    return value


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SchedulerConfigError(f"{where} must be a number, got {value!r}")
    return float(value)


def _fractions(value: Any, where: str) -> dict[str, float]:
    return {str(k): _number(v, f"{where}.{k}") for k, v in _section(value, where).items()}


def _names(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SchedulerConfigError(f"{where} must be a list of resource names")
    return tuple(value)


def _classes(value: Any) -> dict[str, PriorityClass]:
    classes = {}
    for name, spec in _section(value, "scheduler.scheduling.priorityClasses").items():
        where = f"scheduler.scheduling.priorityClasses.{name}"
        fields = {str(k).lower(): v for k, v in _section(spec, where).items()}
        fraction_key = "maximumresourcefractionperqueue"
        classes[str(name)] = PriorityClass(
            priority=_typed(fields.get("priority", 0), int, f"{where}.priority"),
            preemptible=_typed(fields.get("preemptible", False), bool, f"{where}.preemptible"),
            maximum_resource_fraction_per_queue=_fractions(
                fields.get(fraction_key), f"{where}.maximumResourceFractionPerQueue"
            ),
        )
    return classes


def _known_keys(
    data: Mapping[str, Any],
    known: tuple[str, ...],
    ignored: tuple[str, ...],
    *,
    where: str,
    error: type[Exception],
    quiet: bool = False,
) -> dict[str, Any]:
    """The section's values by canonical key name; `error` names an unknown key's path.

    `quiet`: a second reading of a section does not warn about ignored keys again.
    """
    names = {name.lower(): name for name in known}
    skipped = {name.lower() for name in ignored}
    values: dict[str, Any] = {}
    for key, value in data.items():
        lower = str(key).lower()
        if lower in names:
            values[names[lower]] = value
        elif lower in skipped:
            if quiet:
                continue
            logger.warning(
                "config key %s.%s is Armada's but has no effect here; ignored", where, key
            )
        else:
            raise error(f"unknown config key {where}.{key}; known keys: {', '.join(known)}")
    return values
