"""Limits on one pass: token buckets for new placements, caps on resources.

A cap is a list of (resource slot, most allowed) pairs; resources without a fraction
are not capped, nor those with a fraction of 1 or more: what is placed never exceeds
the pool, and leaving them out lets a full pool say "does not fit" instead. Fractions
of the pool are taken exactly (no float rounding of the integer amounts).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from armada_core.queues import Queue
from armada_core.scheduling.config import PriorityClass, RateLimit
from armada_core.scheduling.model import TokenBucket
from armada_core.scheduling.resources import ResourceSpace

Cap = list[tuple[int, int]]
_NANOS_PER_SECOND = 1_000_000_000


def tokens_now(bucket: TokenBucket | None, limit: RateLimit, now_ns: int) -> float:
    """Tokens a bucket holds at `now_ns`: refilled at the rate, at most the burst."""
    if bucket is None:
        return float(limit.burst)
    elapsed = max(0, now_ns - bucket.at_ns)
    return min(float(limit.burst), bucket.tokens + limit.rate * elapsed / _NANOS_PER_SECOND)


def cap_of(space: ResourceSpace, totals: Sequence[int], fractions: Mapping[str, float]) -> Cap:
    cap = []
    for i, name in enumerate(space.names):
        fraction = fractions.get(name)
        if fraction is not None and fraction < 1.0:
            numerator, denominator = fraction.as_integer_ratio()
            cap.append((i, totals[i] * numerator // denominator))
    return cap


def within(cap: Cap, held: Sequence[int], extra: Sequence[int]) -> bool:
    return all(held[i] + extra[i] <= most for i, most in cap)


def queue_fractions(
    queue: Queue, pool: str, class_name: str, priority_class: PriorityClass
) -> Mapping[str, float]:
    """A queue's `maximumResourceFraction` for a class in a pool: the queue's own
    setting for the pool, else its setting for the class, else the class default."""
    limits = queue.resource_limits_by_priority_class_name.get(class_name)
    if limits is not None:
        by_pool = limits.maximum_resource_fraction_by_pool.get(pool)
        if by_pool is not None and by_pool.maximum_resource_fraction:
            return by_pool.maximum_resource_fraction
        if limits.maximum_resource_fraction:
            return limits.maximum_resource_fraction
    return priority_class.maximum_resource_fraction_per_queue
