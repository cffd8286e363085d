"""The `submission:` section, read into the core's plain `SubmissionConfig`.

The core's field names are Armada's keys in snake case, so the core dataclass is the
schema; only the values Kubernetes gives a shape the type does not say (quantities,
tolerations) are read by the types below. A key given replaces the default as a
whole (maps are not merged key by key), as in Armada.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Annotated, Any

from armada_config.policy import Read, read_section, read_value
from armada_core.jobs import KubeObject
from armada_core.quantity import Quantity
from armada_core.submission import SubmissionConfig


@dataclass(frozen=True, slots=True)
class Toleration:
    """A Kubernetes toleration as the config writes it (field names match ignoring case)."""

    key: str = ""
    operator: str = ""
    value: str = ""
    effect: str = ""
    toleration_seconds: int | None = None


def _toleration(raw: Any, path: str) -> KubeObject:
    """A toleration in Kubernetes' JSON shape, empty fields left out."""
    fields = asdict(read_section(Toleration, raw, path))
    names = {"toleration_seconds": "tolerationSeconds"}
    return {names.get(k, k): v for k, v in fields.items() if v not in (None, "")}


Quantities = Mapping[str, Quantity]
Tolerations = tuple[Annotated[KubeObject, Read(_toleration)], ...]
# How a field is read where its type alone does not say it (field name -> type).
_FIELD_TYPES: Mapping[str, Any] = {
    "default_job_limits": Quantities,
    "min_job_resources": Quantities,
    "default_job_tolerations": Tolerations,
    "default_job_tolerations_by_priority_class": Mapping[str, Tolerations],
    "default_job_tolerations_by_resource_request": Mapping[str, Tolerations],
}


def read_submission(raw: Any, path: str) -> SubmissionConfig:
    """The `submission:` section as the core's `SubmissionConfig`."""
    config: SubmissionConfig = read_value(SubmissionConfig, raw, path, field_types=_FIELD_TYPES)
    return config
