"""What a pass may place, per queue and in order: queued jobs, and evicted runs that
are offered their node back. Gang members travel together as one unit.

Order inside a queue: higher priority-class priority first; among equals evicted runs
(already running) before queued jobs; then lower job priority number, then earlier
submission (or lease), then id. A unit stands where its first member stands.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from armada_core.scheduling.matching import Constraints
from armada_core.scheduling.model import QueuedJob, RunningRun
from armada_core.scheduling.resources import Vector

OrderKey = tuple[int, int, int, int, str]


class Candidate:
    """One job to place at `level`. `up_to` is the highest level it counts at once placed;
    `pinned` the node an evicted run must go back to (-1 for a queued job)."""

    __slots__ = (
        "constraints",
        "job_id",
        "level",
        "order",
        "pinned",
        "priority",
        "priority_class",
        "request",
        "run",
        "up_to",
    )

    def __init__(
        self,
        job_id: str,
        priority_class: str,
        priority: int,
        level: int,
        up_to: int,
        request: Vector,
        constraints: Constraints,
        order: OrderKey,
    ) -> None:
        self.job_id = job_id
        self.priority_class = priority_class
        self.priority = priority
        self.level = level
        self.up_to = up_to
        self.request = request
        self.constraints = constraints
        self.order = order
        self.pinned = -1
        self.run: RunningRun | None = None


def constraints_of(job: QueuedJob) -> Constraints:
    return Constraints(job.tolerations, tuple(sorted(job.node_selector.items())), job.node_affinity)


def job_order(job: QueuedJob, priority: int) -> OrderKey:
    return (-priority, 1, job.priority, job.submitted_ns, job.id)


def run_order(run: RunningRun) -> OrderKey:
    return (-run.priority, 0, 0, run.leased_ns, run.job_id)


@dataclass(slots=True)
class Unit:
    """Jobs placed all-or-nothing: a lone job, a complete gang, or an evicted gang.

    `uniformity` is the node label all members must share a value of ("" for none).
    """

    members: list[Candidate]
    gang_id: str = ""
    cardinality: int = 1
    uniformity: str = ""
    request: Sequence[int] = ()

    @property
    def evicted(self) -> bool:
        return self.members[0].pinned >= 0

    @property
    def priority(self) -> int:
        return self.members[0].priority

    @property
    def complete(self) -> bool:
        return len(self.members) == self.cardinality


def units_in_order(entries: list[tuple[Candidate, QueuedJob | RunningRun]]) -> list[Unit]:
    """Units of one queue, ordered by their first member; gangs may be incomplete."""
    entries.sort(key=lambda entry: entry[0].order)
    units: list[Unit] = []
    gangs: dict[tuple[bool, str], Unit] = {}
    for candidate, source in entries:
        key = _gang_key(source)
        if key is None:
            units.append(Unit([candidate]))
            continue
        unit = gangs.get(key)
        if unit is None:
            gangs[key] = unit = _new_gang(source)
            units.append(unit)
        unit.members.append(candidate)
    for unit in gangs.values():
        if unit.cardinality == 0:  # an evicted gang is whatever of it was running
            unit.cardinality = len(unit.members)
    return units


def _gang_key(source: QueuedJob | RunningRun) -> tuple[bool, str] | None:
    if isinstance(source, RunningRun):
        return (True, source.gang_id) if source.gang_id else None
    return None if source.gang is None else (False, source.gang.id)


def _new_gang(source: QueuedJob | RunningRun) -> Unit:
    if isinstance(source, RunningRun):
        return Unit([], source.gang_id, 0)
    gang = source.gang
    assert gang is not None
    return Unit([], gang.id, gang.cardinality, gang.node_uniformity)
