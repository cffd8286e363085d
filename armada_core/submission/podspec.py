"""Read-only helpers over pod specs in Kubernetes JSON shape (camelCase keys)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from armada_core.commands import JobSubmitItem
from armada_core.jobs import KubeObject
from armada_core.kube_pod import KubePodSpec

if TYPE_CHECKING:
    from armada_core.ports import PodSpec

Container = dict[str, Any]


def main_pod_spec(item: JobSubmitItem) -> PodSpec | None:
    """The pod spec a job runs: `pod_spec` if set, else the first of `pod_specs`."""
    if item.pod_spec is not None:
        return as_pod_spec(item.pod_spec)
    return as_pod_spec(item.pod_specs[0]) if item.pod_specs else None


def as_pod_spec(spec: KubeObject | PodSpec) -> PodSpec:
    """A submitted pod spec as a `PodSpec` (a Kubernetes JSON dict is wrapped, not copied)."""
    return KubePodSpec(spec) if isinstance(spec, dict) else spec


def containers(spec: KubeObject) -> Sequence[Container]:
    return spec.get("containers") or ()


def init_containers(spec: KubeObject) -> Sequence[Container]:
    return spec.get("initContainers") or ()


def all_containers(spec: KubeObject) -> list[Container]:
    """Regular containers followed by init containers, as Armada's checks walk them."""
    return [*containers(spec), *init_containers(spec)]


def is_native_sidecar(container: Container) -> bool:
    """An init container that keeps running beside the main ones (`restartPolicy: Always`)."""
    return container.get("restartPolicy") == "Always"


def container_name(container: Container) -> str:
    return str(container.get("name") or "")


def priority_class_name(spec: KubeObject | None) -> str:
    return str(spec.get("priorityClassName") or "") if spec is not None else ""
