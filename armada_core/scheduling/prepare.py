"""Turning a pass's inputs into candidates and units, and the jobs left out early:
cordoned queue, unknown priority class, beyond `maxQueueLookback`, incomplete gang."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from armada_core.queues import Queue
from armada_core.scheduling.candidates import (
    Candidate,
    Unit,
    constraints_of,
    job_order,
    run_order,
    units_in_order,
)
from armada_core.scheduling.config import SchedulingConfig
from armada_core.scheduling.matching import Constraints
from armada_core.scheduling.model import QueuedJob, RunningRun
from armada_core.scheduling.nodes import NodeDb
from armada_core.scheduling.resources import ResourceSpace, add_into, total_of
from armada_core.scheduling.result import Pending, PendingKind

Entry = tuple[Candidate, QueuedJob | RunningRun]
_CORDONED = Pending(PendingKind.QUEUE_CORDONED, "the queue is cordoned")
_LOOKBACK = Pending(PendingKind.LOOKBACK, "beyond maxQueueLookback in its queue this pass")


class Prepared:
    """Queued candidates by queue, the jobs already decided, and queued demand."""

    def __init__(self) -> None:
        self.entries: dict[str, list[Entry]] = defaultdict(list)
        self.pending: dict[str, Pending] = {}
        self.demand: dict[tuple[str, str], list[int]] = {}


def prepare_jobs(
    config: SchedulingConfig,
    jobs: Sequence[QueuedJob],
    queues: Mapping[str, Queue],
    db: NodeDb,
    space: ResourceSpace,
) -> Prepared:
    prepared = Prepared()
    for job in jobs:
        candidate = _candidate(config, job, queues, db, space, prepared.pending)
        if candidate is not None:
            prepared.entries[job.queue].append((candidate, job))
            demand = prepared.demand.setdefault((job.queue, candidate.priority_class), space.zero())
            add_into(demand, candidate.request)
    for entries in prepared.entries.values():
        _cut_lookback(entries, config.max_queue_lookback, prepared.pending)
    return prepared


def _candidate(
    config: SchedulingConfig,
    job: QueuedJob,
    queues: Mapping[str, Queue],
    db: NodeDb,
    space: ResourceSpace,
    pending: dict[str, Pending],
) -> Candidate | None:
    queue = queues.get(job.queue)
    if queue is not None and queue.cordoned:
        pending[job.id] = _CORDONED
        return None
    name = job.priority_class or config.default_priority_class_name
    priority_class = config.priority_classes.get(name)
    if priority_class is None:
        pending[job.id] = Pending(
            PendingKind.UNKNOWN_PRIORITY_CLASS, f"priority class {name[:100]} is not configured"
        )
        return None
    priority = priority_class.priority
    # A job placed in this pass counts at every level for the rest of it: nothing
    # placed later, whatever its priority, may take its room (Armada does not preempt
    # what it has just scheduled either).
    return Candidate(
        job.id,
        name,
        priority,
        db.level_of[priority],
        db.top,
        space.vector(job.requests),
        constraints_of(job),
        job_order(job, priority),
    )


def _cut_lookback(entries: list[Entry], lookback: int, pending: dict[str, Pending]) -> None:
    if len(entries) <= lookback:
        return
    entries.sort(key=lambda entry: entry[0].order)
    for candidate, _ in entries[lookback:]:
        pending[candidate.job_id] = _LOOKBACK
    del entries[lookback:]


def evicted_entry(run: RunningRun, db: NodeDb, space: ResourceSpace) -> Entry:
    level = db.level_of[run.priority]
    candidate = Candidate(
        run.job_id,
        run.priority_class,
        run.priority,
        level,
        level,
        space.vector(run.requests),
        Constraints(),
        run_order(run),
    )
    candidate.pinned = db.position[run.node_id]
    candidate.run = run
    return candidate, run


def complete_units(entries: list[Entry], pending: dict[str, Pending], size: int) -> list[Unit]:
    """The queue's units in order, with the request of each; incomplete gangs wait."""
    units = []
    for unit in units_in_order(entries):
        if not unit.complete:
            waiting = Pending(
                PendingKind.GANG_INCOMPLETE,
                f"gang {unit.gang_id[:100]} has {len(unit.members)} of "
                f"{unit.cardinality} members queued",
            )
            pending.update((m.job_id, waiting) for m in unit.members)
            continue
        members = unit.members
        unit.request = (
            members[0].request
            if len(members) == 1
            else total_of((m.request for m in members), size)
        )
        units.append(unit)
    return units
