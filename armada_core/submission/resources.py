"""Container resources as quantities, and the pod totals Armada schedules on.

Pod totals (§5.4): regular containers run together, so their resources add up; a
native sidecar (`restartPolicy: Always`) runs beside them and adds too; a classic init
container runs alone before them, so it only raises each total to at least its own
value. Init containers are walked in order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from armada_core.echo import shown
from armada_core.errors import InvalidArgument
from armada_core.jobs import KubeObject, ResourceRequirements
from armada_core.quantity import Quantity, parse_quantity
from armada_core.submission.podspec import (
    Container,
    container_name,
    containers,
    init_containers,
    is_native_sidecar,
)

ResourceList = dict[str, Quantity]
Kind = Literal["requests", "limits"]

_ZERO = Quantity()


def resource_list(container: Container, kind: Kind) -> ResourceList:
    """A container's requests or limits parsed; InvalidArgument names a bad quantity."""
    resources = container.get("resources")
    raw = resources.get(kind) if resources else None
    if not raw:
        return {}
    try:
        return {name: parse_quantity(value) for name, value in raw.items()}
    except (TypeError, ValueError):
        return {name: _parse(value, container, kind, name) for name, value in raw.items()}


def _parse(value: Any, container: Container, kind: Kind, name: str) -> Quantity:
    try:
        return Quantity.parse(value)
    except ValueError as error:
        raise InvalidArgument(
            f"container {shown(container_name(container))} has an invalid {kind} quantity "
            f"{shown(repr(value))} for {shown(name)}: {error}"
        ) from None


@dataclass(slots=True)
class ContainerResources:
    """One container's parsed requests and limits (the job's own, mutable copies)."""

    requests: ResourceList
    limits: ResourceList
    sidecar: bool = False

    @classmethod
    def of(cls, container: Container, *, init: bool = False) -> ContainerResources:
        return cls(
            resource_list(container, "requests"),
            resource_list(container, "limits"),
            sidecar=init and is_native_sidecar(container),
        )


@dataclass(slots=True)
class PodResources:
    """Parsed resources of a pod's regular and init containers, in spec order."""

    regular: list[ContainerResources]
    init: list[ContainerResources]

    @classmethod
    def of(cls, spec: KubeObject) -> PodResources:
        return cls(
            [ContainerResources.of(c) for c in containers(spec)],
            [ContainerResources.of(c, init=True) for c in init_containers(spec)],
        )

    def total(self, kind: Kind) -> ResourceList:
        """Per-resource total of requests or limits, sidecars included."""
        total: ResourceList = {}
        for container in self.regular:
            _add(total, _kind(container, kind))
        for container in self.init:
            if container.sidecar:
                _add(total, _kind(container, kind))
            else:
                _raise_to(total, _kind(container, kind))
        return total

    def requirements(self) -> ResourceRequirements:
        """`scheduling_resource_requirements`, as canonical text."""
        return ResourceRequirements(
            requests=canonical_texts(self.total("requests")),
            limits=canonical_texts(self.total("limits")),
        )


def _kind(container: ContainerResources, kind: Kind) -> ResourceList:
    return container.requests if kind == "requests" else container.limits


def _add(total: ResourceList, extra: Mapping[str, Quantity]) -> None:
    for name, quantity in extra.items():
        current = total.get(name)
        total[name] = quantity if current is None else current + quantity


def _raise_to(total: ResourceList, floor: Mapping[str, Quantity]) -> None:
    # Only a strictly larger value replaces the total (an absent total counts as 0).
    for name, quantity in floor.items():
        if quantity > total.get(name, _ZERO):
            total[name] = quantity


def scheduling_resource_requirements(spec: KubeObject) -> ResourceRequirements:
    """The `scheduling_resource_requirements` of a (defaulted) pod spec."""
    return PodResources.of(spec).requirements()


def canonical_texts(resources: Mapping[str, Quantity]) -> dict[str, str]:
    return {name: quantity.canonical() for name, quantity in resources.items()}
