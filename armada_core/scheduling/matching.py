"""Whether a job may go on a node at all, resources aside: Kubernetes' rules for taints
and tolerations, node selectors and required node affinity.

The values mirror Kubernetes' JSON shapes (`Taint`, `Toleration`, `NodeSelector`, the
last as checked by `armada_core.submission.affinity`), made hashable so jobs with the
same constraints share one answer per node.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Taints with other effects (PreferNoSchedule) do not keep a job off a node.
_BLOCKING_EFFECTS = frozenset({"NoSchedule", "NoExecute"})
_NODE_NAME_FIELD = "metadata.name"


@dataclass(frozen=True, slots=True)
class Taint:
    key: str
    value: str = ""
    effect: str = "NoSchedule"

    @classmethod
    def from_kube(cls, taint: Mapping[str, Any]) -> Taint:
        return cls(
            str(taint.get("key") or ""),
            str(taint.get("value") or ""),
            str(taint.get("effect") or ""),
        )


@dataclass(frozen=True, slots=True)
class Toleration:
    key: str = ""
    operator: str = "Equal"
    value: str = ""
    effect: str = ""

    @classmethod
    def from_kube(cls, toleration: Mapping[str, Any]) -> Toleration:
        return cls(
            str(toleration.get("key") or ""),
            str(toleration.get("operator") or "Equal"),
            str(toleration.get("value") or ""),
            str(toleration.get("effect") or ""),
        )

    def tolerates(self, taint: Taint) -> bool:
        """Kubernetes' ToleratesTaint."""
        if self.effect and self.effect != taint.effect:
            return False
        if self.key and self.key != taint.key:
            return False
        if self.operator == "Exists":
            return True
        return self.operator == "Equal" and bool(self.key) and self.value == taint.value


@dataclass(frozen=True, slots=True)
class Requirement:
    """One `matchExpressions` / `matchFields` entry."""

    key: str
    operator: str
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        value = labels.get(self.key)
        operator = self.operator
        if operator == "In":
            return value is not None and value in self.values
        if operator == "NotIn":
            return value is None or value not in self.values
        if operator == "Exists":
            return value is not None
        if operator == "DoesNotExist":
            return value is None
        return _compares(value, operator, self.values)


def _compares(value: str | None, operator: str, values: tuple[str, ...]) -> bool:
    try:
        number, bound = int(value or ""), int(values[0])
    except (ValueError, IndexError):
        return False
    if operator == "Gt":
        return number > bound
    return operator == "Lt" and number < bound


@dataclass(frozen=True, slots=True)
class NodeSelectorTerm:
    """All of its expressions and fields must hold; a term with neither matches nothing."""

    match_expressions: tuple[Requirement, ...] = ()
    match_fields: tuple[Requirement, ...] = ()

    def matches(self, labels: Mapping[str, str], node_name: str) -> bool:
        if not self.match_expressions and not self.match_fields:
            return False
        fields = {_NODE_NAME_FIELD: node_name}
        return all(r.matches(labels) for r in self.match_expressions) and all(
            r.matches(fields) for r in self.match_fields
        )


# Required node affinity: any one term must hold. None means no affinity at all.
NodeAffinity = tuple[NodeSelectorTerm, ...]


def node_affinity_from_kube(affinity: Mapping[str, Any] | None) -> NodeAffinity | None:
    """The required node affinity of a pod spec's `affinity`, None if it has none."""
    node_affinity = (affinity or {}).get("nodeAffinity") or {}
    selector = node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
    if selector is None:
        return None
    return tuple(_term(term or {}) for term in selector.get("nodeSelectorTerms") or ())


def _term(term: Mapping[str, Any]) -> NodeSelectorTerm:
    return NodeSelectorTerm(
        tuple(_requirement(r) for r in term.get("matchExpressions") or ()),
        tuple(_requirement(r) for r in term.get("matchFields") or ()),
    )


def _requirement(expression: Mapping[str, Any]) -> Requirement:
    values = tuple(str(v) for v in expression.get("values") or ())
    return Requirement(str(expression.get("key") or ""), str(expression.get("operator")), values)


@dataclass(frozen=True, slots=True)
class Constraints:
    """A job's node constraints, the part of its scheduling key that is not resources."""

    tolerations: tuple[Toleration, ...] = ()
    node_selector: tuple[tuple[str, str], ...] = ()
    node_affinity: NodeAffinity | None = None


def tolerated(taints: Sequence[Taint], tolerations: Sequence[Toleration]) -> bool:
    """Whether every taint that keeps jobs off a node is tolerated."""
    return all(
        taint.effect not in _BLOCKING_EFFECTS or any(t.tolerates(taint) for t in tolerations)
        for taint in taints
    )


def mismatch(
    constraints: Constraints,
    node_name: str,
    labels: Mapping[str, str],
    taints: Sequence[Taint],
    unschedulable: bool,
) -> str | None:
    """Why a node is not eligible for a job with these constraints, None if it is."""
    if unschedulable:
        return "unschedulable"
    if any(labels.get(key) != value for key, value in constraints.node_selector):
        return "node selector"
    affinity = constraints.node_affinity
    if affinity is not None and not any(t.matches(labels, node_name) for t in affinity):
        return "node affinity"
    if not tolerated(taints, constraints.tolerations):
        return "untolerated taint"
    return None
