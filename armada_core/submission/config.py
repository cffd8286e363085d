"""Submission settings: every `submission.*` knob of Armada's server config.

Defaults are those of Armada's `config/server/config.yaml`, plus `default_namespace`
(our decision #6: an item without a namespace goes there; "" restores Armada's
"namespace is a required field" rule). A plain dataclass: the composition root
reads Armada's camelCase `submission:` section into it (field names are the keys in
snake case).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from armada_core.jobs import KubeObject
from armada_core.quantity import Quantity
from armada_core.submission.memo import SubmissionMemo

Tolerations = tuple[KubeObject, ...]


def _no_schedule(key: str) -> KubeObject:
    return {"key": key, "operator": "Equal", "value": "true", "effect": "NoSchedule"}


def _default_job_limits() -> dict[str, Quantity]:
    return {
        "cpu": Quantity.parse("1"),
        "memory": Quantity.parse("1Gi"),
        "ephemeral-storage": Quantity.parse("8Gi"),
    }


def _default_tolerations_by_priority_class() -> dict[str, Tolerations]:
    return {
        "armada-default": (_no_schedule("armadaproject.io/pc-armada-default"),),
        "armada-preemptible": (_no_schedule("armadaproject.io/pc-armada-preemptible"),),
    }


@dataclass(frozen=True, slots=True)
class SubmissionConfig:
    """Rules and defaults applied to submitted jobs (Armada's `SubmissionConfig`)."""

    allowed_priority_class_names: frozenset[str] = frozenset(
        {"armada-default", "armada-preemptible", "armada-resilient"}
    )
    default_priority_class_name: str = "armada-default"
    default_job_limits: Mapping[str, Quantity] = field(default_factory=_default_job_limits)
    default_job_tolerations: Tolerations = (_no_schedule("armadaproject.io/armada"),)
    default_job_tolerations_by_priority_class: Mapping[str, Tolerations] = field(
        default_factory=_default_tolerations_by_priority_class
    )
    default_job_tolerations_by_resource_request: Mapping[str, Tolerations] = field(
        default_factory=lambda: {"nvidia.com/gpu": (_no_schedule("armadaproject.io/gpu"),)}
    )
    restricted_toleration_keys: tuple[str, ...] = ()
    max_pod_spec_size_bytes: int = 65535
    min_job_resources: Mapping[str, Quantity] = field(
        default_factory=lambda: {"memory": Quantity.parse("1Mi")}
    )
    default_gang_node_uniformity_label: str = ""
    min_termination_grace_period: timedelta = timedelta(seconds=1)
    max_termination_grace_period: timedelta = timedelta(minutes=5)
    default_active_deadline: timedelta = timedelta(hours=72)
    default_active_deadline_by_resource_request: Mapping[str, timedelta] = field(
        default_factory=lambda: {"nvidia.com/gpu": timedelta(hours=336)}
    )
    # Resources missing here allow no oversubscription at all (factor 1.0).
    max_oversubscription_by_resource_request: Mapping[str, float] = field(default_factory=dict)
    assert_init_containers_request_fractional_cpu: bool = True
    add_gang_id_label: bool = False
    allow_custom_service_names: bool = False
    default_namespace: str = "default"
    # Not a setting: what these settings imply for pod resources, worked out once per
    # distinct content (see `memo`); a copy made by `dataclasses.replace` starts empty.
    memo: SubmissionMemo = field(
        default_factory=SubmissionMemo, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if self.max_pod_spec_size_bytes < 0:
            raise ValueError("maxPodSpecSizeBytes must not be negative")
        # Armada refuses to start when the default class is not an allowed one; an
        # empty default means "leave priorityClassName empty" and is accepted.
        default = self.default_priority_class_name
        if default and default not in self.allowed_priority_class_names:
            raise ValueError(
                f"defaultPriorityClassName {default} is not in allowedPriorityClassNames "
                f"{sorted(self.allowed_priority_class_names)}"
            )
