"""Repairs of stored values that a later release refuses, run by schema migrations.

Before input limits existed a queue could be stored with a priority factor of
`Infinity` (over gRPC) or a resource fraction that was not finite, and listing the
queues then failed for everyone. The repair brings every stored number into the
range the API accepts now (NaN becomes 1, the default), so readers never meet them.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

from armada_core.limits import MAX_PRIORITY_FACTOR, MAX_RESOURCE_FRACTION, MIN_PRIORITY_FACTOR
from armada_core.queues import PoolResourceLimits, PriorityClassResourceLimits, Queue
from armada_storage._codec import queue_from_json, queue_to_json

SELECT_QUEUES = "SELECT name, data FROM queues"


def repaired_queue(text: str) -> str | None:
    """The stored queue with its numbers in range, or None when it needs no repair."""
    queue = queue_from_json(text)
    fixed = dataclasses.replace(
        queue,
        priority_factor=_clamp(queue.priority_factor, MIN_PRIORITY_FACTOR, MAX_PRIORITY_FACTOR),
        resource_limits_by_priority_class_name={
            name: _class_limits(limits)
            for name, limits in queue.resource_limits_by_priority_class_name.items()
        },
    )
    return None if _same(fixed, queue) else queue_to_json(fixed)


def _same(a: Queue, b: Queue) -> bool:
    # NaN != NaN: compare the stored text, which is what a repair changes.
    return queue_to_json(a) == queue_to_json(b)


def _class_limits(limits: PriorityClassResourceLimits) -> PriorityClassResourceLimits:
    return PriorityClassResourceLimits(
        maximum_resource_fraction=_fractions(limits.maximum_resource_fraction),
        maximum_resource_fraction_by_pool={
            pool: PoolResourceLimits(_fractions(p.maximum_resource_fraction))
            for pool, p in limits.maximum_resource_fraction_by_pool.items()
        },
    )


def _fractions(fractions: Mapping[str, float]) -> dict[str, float]:
    return {name: _clamp(value, 0, MAX_RESOURCE_FRACTION) for name, value in fractions.items()}


def _clamp(value: float, low: float, high: float) -> float:
    if low <= value <= high:
        return value
    return 1.0 if math.isnan(value) else float(min(max(value, low), high))
