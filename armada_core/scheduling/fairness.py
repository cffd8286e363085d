"""Dominant-resource fairness: what an allocation costs, and each queue's fair share.

The cost of an allocation is its largest fraction of the pool over the resources
considered (`dominantResourceFairnessResourcesToConsider`); a queue's weight is
1 / priorityFactor. Fair shares are fractions of the pool, summing to at most 1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

_WATER_FILL_ROUNDS = 10
_WATER_FILL_SLACK = 0.01


def queue_weight(priority_factor: float) -> float:
    """1 / priorityFactor; a factor of 0 (unset) counts as 1."""
    return 1.0 / priority_factor if priority_factor > 0 else 1.0


class CostModel:
    """cost(A) = max over considered resources r of A[r] / pool total[r]."""

    __slots__ = ("_dims",)

    def __init__(self, totals: Sequence[int], considered: Sequence[int]) -> None:
        self._dims = tuple((i, 1.0 / totals[i]) for i in considered if totals[i] > 0)

    def cost(self, allocation: Sequence[int]) -> float:
        return max((allocation[i] * inverse for i, inverse in self._dims), default=0.0)

    def cost_with(self, allocation: Sequence[int], extra: Sequence[int]) -> float:
        """cost(allocation + extra) without building the sum."""
        return max(((allocation[i] + extra[i]) * inverse for i, inverse in self._dims), default=0.0)


def naive_shares(weights: Mapping[str, float]) -> dict[str, float]:
    """Each active queue's weight over the sum of weights."""
    total = sum(weights.values())
    return {name: weight / total for name, weight in weights.items()}


def demand_capped_shares(
    weights: Mapping[str, float], demands: Mapping[str, float]
) -> dict[str, float]:
    """Water-filling: share out what is unassigned by weight among queues still short
    of their demand, cap each at its demand, and share the excess again."""
    shares = dict.fromkeys(weights, 0.0)
    unsatisfied = sorted(weights)
    unassigned = 1.0
    for _ in range(_WATER_FILL_ROUNDS):
        if unassigned <= _WATER_FILL_SLACK or not unsatisfied:
            break
        total_weight = sum(weights[name] for name in unsatisfied)
        excess, still_short = 0.0, []
        for name in unsatisfied:
            offered = shares[name] + unassigned * weights[name] / total_weight
            if offered >= demands[name]:
                excess += offered - demands[name]
                shares[name] = demands[name]
            else:
                shares[name] = offered
                still_short.append(name)
        unsatisfied, unassigned = still_short, excess
    return shares
