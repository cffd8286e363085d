"""Executors' node snapshots as the scheduler's nodes (one rule for the scheduling pass,
the submit check and the retry probe)."""

from __future__ import annotations

from collections.abc import Iterable

from armada_core.executors import Executor
from armada_core.scheduling import Node, Taint


def node_id(executor: str, node: str) -> str:
    """A node's id: its executor's id and its name (as Armada derives it)."""
    return f"{executor}/{node}"


def nodes_of(
    executors: Iterable[Executor], cordoned: frozenset[str], label: str
) -> tuple[Node, ...]:
    """The scheduler's nodes of the executors' snapshots (`cordoned`: executor ids)."""
    # A node is named by the node id label even when its executor does not report the
    # label: leases pin pods by it, and retries avoid nodes by it.
    return tuple(
        Node(
            id=node_id(e.id, n.name),
            executor=e.id,
            pool=n.pool or e.pool,
            total=n.total,
            non_armada_allocated=n.non_armada,
            taints=tuple(Taint.from_kube(t) for t in n.taints),
            labels={label: n.name, **n.labels},
            unschedulable=n.unschedulable,
            cordoned=e.id in cordoned,
        )
        for e in executors
        for n in e.nodes
    )
