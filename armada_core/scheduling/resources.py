"""Resources as fixed-length integer vectors, one slot per resource name in the pass.

Inside a pass every amount is a tuple (or list) in the order of `ResourceSpace.names`:
the fairness resources first, in configured order, then the others by name. Vector
arithmetic is plain integer arithmetic, so nothing is ever rounded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from armada_core.quantity import Quantity

Vector = tuple[int, ...]


class ResourceSpace:
    """The resource names one pass deals with, and conversions to and from vectors."""

    __slots__ = ("_cache", "considered", "names")

    def __init__(self, seen: Iterable[Mapping[str, int]], fairness: Sequence[str]) -> None:
        present = set(fairness)
        for resources in seen:
            present.update(resources)
        others = sorted(present - set(fairness))
        self.names: tuple[str, ...] = (*fairness, *others)
        self.considered = tuple(range(len(fairness)))
        self._cache: dict[tuple[tuple[str, int], ...], Vector] = {}

    def vector(self, resources: Mapping[str, int]) -> Vector:
        """The vector of a mapping; identical mappings share one tuple."""
        key = tuple(resources.items())
        vector = self._cache.get(key)
        if vector is None:
            vector = tuple(resources.get(name, 0) for name in self.names)
            self._cache[key] = vector
        return vector

    def zero(self) -> list[int]:
        return [0] * len(self.names)

    def text(self, index: int, amount: int) -> str:
        """`cpu 500m`: a resource amount as Kubernetes would print it."""
        return f"{self.names[index]} {Quantity(amount).canonical()}"


def add_into(target: list[int], amount: Sequence[int], sign: int = 1) -> None:
    for i, value in enumerate(amount):
        if value:
            target[i] += sign * value


def fits(free: Sequence[int], request: Sequence[int]) -> bool:
    return all(f >= r for f, r in zip(free, request, strict=True))


def total_of(amounts: Iterable[Sequence[int]], size: int) -> list[int]:
    total = [0] * size
    for amount in amounts:
        add_into(total, amount)
    return total
