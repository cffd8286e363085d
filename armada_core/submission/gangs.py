"""Gangs: jobs scheduled together, described by annotations.

A job is in a gang when it carries `armadaproject.io/gangId`; it then needs a positive
integer `armadaproject.io/gangCardinality`. Cardinality 1 means "not a gang".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from armada_core.commands import JobSubmitItem
from armada_core.echo import shown
from armada_core.errors import InvalidArgument
from armada_core.submission._go import go_atoi
from armada_core.submission.podspec import main_pod_spec, priority_class_name

if TYPE_CHECKING:
    from armada_core.ports import PodSpec

GANG_ID = "armadaproject.io/gangId"
GANG_CARDINALITY = "armadaproject.io/gangCardinality"
GANG_NODE_UNIFORMITY_LABEL = "armadaproject.io/gangNodeUniformityLabel"
FAIL_FAST = "armadaproject.io/failFast"


class GangError(ValueError):
    """Gang annotations that cannot be parsed."""


@dataclass(frozen=True, slots=True)
class GangInfo:
    """A real gang (cardinality ≥ 2)."""

    id: str
    cardinality: int
    node_uniformity: str


def parse_gang(annotations: Mapping[str, str]) -> GangInfo | None:
    """The gang a job belongs to, None if it is not in one; GangError if malformed."""
    gang_id = annotations.get(GANG_ID)
    if gang_id is None:
        return None
    if not gang_id:
        raise GangError("gang id is empty")
    raw = annotations.get(GANG_CARDINALITY)
    if raw is None:
        raise GangError(f"gang cardinality annotation {GANG_CARDINALITY} is missing")
    try:
        cardinality = go_atoi(raw)
    except ValueError as error:
        raise GangError(f"gang cardinality is not parseable - {error}") from None
    if cardinality <= 0:
        raise GangError(f"gang cardinality {shown(cardinality)} is non-positive")
    if cardinality < 2:
        return None
    return GangInfo(gang_id, cardinality, annotations.get(GANG_NODE_UNIFORMITY_LABEL, ""))


def check_gangs(items: Sequence[JobSubmitItem]) -> None:
    """Armada's request-level gang rule: members in one request must agree."""
    first_seen: dict[str, tuple[GangInfo, str]] = {}
    for item in items:
        gang = _gang_of(item)
        if gang is None:
            continue
        _check_fail_fast(item.annotations)
        member = (gang, _class_of(main_pod_spec(item)))
        _check_consistent(first_seen.setdefault(gang.id, member), member)


def _class_of(spec: PodSpec | None) -> str:
    return priority_class_name(spec.rules()) if spec is not None else ""


def _gang_of(item: JobSubmitItem) -> GangInfo | None:
    try:
        return parse_gang(item.annotations)
    except GangError as error:
        raise InvalidArgument(f"invalid gang information: {error}") from None


def _check_fail_fast(annotations: Mapping[str, str]) -> None:
    flag = annotations.get(FAIL_FAST)
    if flag is not None and flag != "true":
        raise InvalidArgument(
            f"gang jobs may not set fail fast flag (annotation - {FAIL_FAST}) to anything but true"
        )


def _check_consistent(expected: tuple[GangInfo, str], actual: tuple[GangInfo, str]) -> None:
    (want, want_class), (got, got_class) = expected, actual
    if want.cardinality != got.cardinality:
        raise InvalidArgument(
            f"inconsistent gang cardinality in gang {shown(got.id)}: "
            f"expected {shown(want.cardinality)} but got {shown(got.cardinality)}"
        )
    if want_class != got_class:
        raise InvalidArgument(
            f"inconsistent PriorityClassName in gang {shown(got.id)}: "
            f"expected {shown(want_class)} but got {shown(got_class)}"
        )
    if want.node_uniformity != got.node_uniformity:
        raise InvalidArgument(
            f"inconsistent nodeUniformityLabel in gang {shown(got.id)}: "
            f"expected {shown(want.node_uniformity)} but got {shown(got.node_uniformity)}"
        )


def apply_gang_defaults(
    annotations: dict[str, str],
    labels: dict[str, str],
    *,
    uniformity_label: str,
    add_gang_id_label: bool,
) -> None:
    """Armada's gang post-processing, in place on the job's own (copied) maps."""
    try:
        gang = parse_gang(annotations)
    except GangError:
        gang = None  # Armada logs and treats it as no gang; validation rejects it earlier
    if gang is not None:
        annotations.setdefault(GANG_NODE_UNIFORMITY_LABEL, uniformity_label)
        annotations.setdefault(FAIL_FAST, "true")
    gang_id = annotations.get(GANG_ID)
    if add_gang_id_label and gang_id:
        labels[GANG_ID] = gang_id
