"""Why each node of a pool was no place for a job (the job report's "Excluded nodes").

Worked out when a job report asks, for that one job, from what its round kept: the
eligibility rules are the scheduler's own (`armada_core.scheduling.matching`), in its
order; only the wording is Armada's (spec 3.7). Resources are compared with what each
node had free once the round was done.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from armada_core.quantity import Quantity
from armada_core.reports.rounds import PoolRound
from armada_core.scheduling import Node, QueuedJob
from armada_core.scheduling.matching import NodeAffinity, tolerated

INSUFFICIENT = "insufficient resources available"


def excluded_nodes(round: PoolRound, job: QueuedJob) -> list[tuple[int, str]]:
    """(count, reason) per distinct reason, most frequent first."""
    counts = Counter(_exclusion(round, node, job) for node in round.nodes)
    return sorted(((n, why) for why, n in counts.items()), key=lambda item: (-item[0], item[1]))


def _exclusion(round: PoolRound, node: Node, job: QueuedJob) -> str:
    if node.unschedulable:
        return "node is unschedulable (cordoned)"
    labels = _labels(round, node)
    why = _selector(job.node_selector, labels) or _affinity(job.node_affinity, labels, node.id)
    if why is None:
        untolerated = [t for t in node.taints if not tolerated((t,), job.tolerations)]
        if untolerated:
            taint = untolerated[0]
            why = f"taint {taint.key}={taint.value}:{taint.effect} not tolerated"
    return why or _resources(round, node, job)


def _labels(round: PoolRound, node: Node) -> Mapping[str, str]:
    """The node's labels, its id under the node id label when it has none (as the
    scheduler's NodeDb sees them)."""
    if round.node_id_label in node.labels:
        return node.labels
    return {round.node_id_label: node.id, **node.labels}


def _selector(selector: Mapping[str, str], labels: Mapping[str, str]) -> str | None:
    for key, wanted in sorted(selector.items()):
        has = labels.get(key)
        if has is None:
            return f"node does not match pod NodeSelector: label {key} not set"
        if has != wanted:
            return (
                f"node does not match pod NodeSelector: required label {key} = {wanted}, "
                f"but node has {has}"
            )
    return None


def _affinity(affinity: NodeAffinity | None, labels: Mapping[str, str], name: str) -> str | None:
    if affinity is None or any(term.matches(labels, name) for term in affinity):
        return None
    terms = " or ".join(
        "("
        + ", ".join(f"{r.key} {r.operator} {list(r.values)}" for r in term.match_expressions)
        + ")"
        for term in affinity
    )
    return f"node does not match pod NodeAffinity {terms}"


def _resources(round: PoolRound, node: Node, job: QueuedJob) -> str:
    free = round.free.get(node.id, {})
    for name in (*round.resource_order, *sorted(job.requests)):
        wanted, available = job.requests.get(name, 0), free.get(name, 0)
        if wanted > available:
            return (
                f"pod requires {Quantity(wanted).canonical()} {name}, "
                f"but only {Quantity(max(available, 0)).canonical()} is available"
            )
    return INSUFFICIENT
