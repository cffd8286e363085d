"""The pool's nodes during a pass: free resources at each priority, kept sorted.

Free at priority level l = capacity - (runs counted at l). A preemptible run counts at
the levels up to its own priority, so a job of higher priority may take its place
(and the run is then preempted); a non-preemptible run counts at every level.
Capacity is the node's total less everything non-Armada pods hold.

For each level the nodes sit in a list sorted by free vector (fairness resources
first), so the best fit — the node with least free that still fits, bin-packing — is
found by bisecting to the first node with enough of the first resource and walking on.
A node left with less of some resource than the smallest job of the pass asks for
is taken out of the list (and put back should a charge be undone), so the walk does
not trip over full nodes again and again.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Sequence
from operator import ge

from armada_core.scheduling.matching import Constraints, mismatch
from armada_core.scheduling.model import Node
from armada_core.scheduling.resources import ResourceSpace, Vector, add_into, total_of

EXECUTOR_CORDONED = "executor cordoned"  # why a cordoned executor's node is not eligible


class NodeDb:
    """Nodes of one pool (sorted by id), their free resources per level, eligibility."""

    def __init__(
        self,
        nodes: Sequence[Node],
        space: ResourceSpace,
        levels: Sequence[int],
        node_id_label: str,
    ) -> None:
        self.nodes = nodes
        self.position = {node.id: i for i, node in enumerate(nodes)}
        self.levels = tuple(levels)
        self.level_of = {priority: i for i, priority in enumerate(self.levels)}
        self.top = len(self.levels) - 1
        self.labels = [{node_id_label: node.id, **node.labels} for node in nodes]
        self.capacity = [_capacity(node, space) for node in nodes]
        self.free = [[list(c) for c in self.capacity] for _ in self.levels]
        self.smallest: Vector = space.vector({})
        self.index: list[list[tuple[int, ...]]] = []
        self.listed: list[list[bool]] = []
        self.expect(self.smallest)
        self._eligible: dict[Constraints, list[bool]] = {}

    def expect(self, smallest: Vector) -> None:
        """Keep only nodes with at least `smallest` free in the sorted lists."""
        self.smallest = smallest
        self.listed = [[all(map(ge, free, smallest)) for free in level] for level in self.free]
        self.index = [
            sorted((*free, i) for i, free in enumerate(level) if listed[i])
            for level, listed in zip(self.free, self.listed, strict=True)
        ]

    def eligible(self, constraints: Constraints) -> list[bool]:
        """Per node, whether such a job may go there resources aside (cached)."""
        flags = self._eligible.get(constraints)
        if flags is None:
            flags = [self.mismatch(constraints, i) is None for i in range(len(self.nodes))]
            self._eligible[constraints] = flags
        return flags

    def mismatch(self, constraints: Constraints, i: int) -> str | None:
        if self.nodes[i].cordoned:
            return EXECUTOR_CORDONED
        return self.mismatch_uncordoned(constraints, i)

    def mismatch_uncordoned(self, constraints: Constraints, i: int) -> str | None:
        """Why the node would not take such a job even were its executor not cordoned."""
        node = self.nodes[i]
        return mismatch(constraints, node.id, self.labels[i], node.taints, node.unschedulable)

    def charge(self, i: int, amount: Sequence[int], up_to: int, sign: int = 1) -> None:
        """Take `amount` from node i at levels 0..up_to (give it back with sign -1)."""
        for level in range(up_to + 1):
            index, free, listed = self.index[level], self.free[level][i], self.listed[level]
            if listed[i]:
                del index[bisect_left(index, (*free, i))]
            add_into(free, amount, -sign)
            listed[i] = all(map(ge, free, self.smallest))
            if listed[i]:
                insort(index, (*free, i))

    def best_fit(self, request: Vector, level: int, eligible: Sequence[bool]) -> int:
        """The eligible node with least free that fits the request at the level, or -1."""
        index = self.index[level]
        for position in range(bisect_left(index, (request[0],)), len(index)):
            entry = index[position]
            node = entry[-1]
            if eligible[node] and all(map(ge, entry, request)):
                return node
        return -1

    def fits_on(self, i: int, request: Vector, level: int) -> bool:
        return all(map(ge, self.free[level][i], request))

    def overcommitted(self, i: int) -> bool:
        # Level 0 has every run counted, so it is the tightest.
        return any(value < 0 for value in self.free[0][i])

    def total_capacity(self) -> list[int]:
        """What the pool offers Armada: capacity of the nodes that take new jobs."""
        usable = (
            c
            for node, c in zip(self.nodes, self.capacity, strict=True)
            if not (node.unschedulable or node.cordoned)
        )
        return total_of(usable, len(self.capacity[0]) if self.capacity else 0)


def _capacity(node: Node, space: ResourceSpace) -> Vector:
    capacity = list(space.vector(node.total))
    for held in node.non_armada_allocated.values():
        add_into(capacity, space.vector(held), -1)
    return tuple(capacity)
