"""Which running runs a pass preempts.

Before filling, the preemptible runs of every queue holding more than
`protectedFractionOfFairShare` times its fair share are evicted (with the rest of
their gangs) and offered their node back during filling; those not taken back are
preempted for fair share. After filling, a node may be over-committed at a low
priority level where a job of higher priority took the room of preemptible runs;
those runs go, lowest priority first, then those of the queue furthest above its
share, then the most recently leased. A gang with a member preempted loses all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence

from armada_core.scheduling.model import RunningRun
from armada_core.scheduling.nodes import NodeDb
from armada_core.scheduling.resources import ResourceSpace
from armada_core.scheduling.result import Placement, Preemption, PreemptionKind


def run_up_to(db: NodeDb, run: RunningRun) -> int:
    """The highest level a run counts at: its own if preemptible, else every level."""
    return db.level_of[run.priority] if run.preemptible else db.top


def release(db: NodeDb, space: ResourceSpace, run: RunningRun) -> None:
    db.charge(db.position[run.node_id], space.vector(run.requests), run_up_to(db, run), -1)


def to_evict(runs: Sequence[RunningRun], over_share: Iterable[str]) -> list[RunningRun]:
    """Preemptible runs of queues above their protected share, with their gang mates."""
    queues = set(over_share)
    chosen = {run.id for run in runs if run.preemptible and run.queue in queues}
    gangs = {(run.queue, run.gang_id) for run in runs if run.id in chosen and run.gang_id}
    return [r for r in runs if r.id in chosen or (r.queue, r.gang_id) in gangs]


def urgency_victims(
    db: NodeDb,
    space: ResourceSpace,
    running: Sequence[RunningRun],
    placements: Sequence[Placement],
    over_share: Callable[[str], float],
) -> list[Preemption]:
    """Free every over-committed node by preempting preemptible runs on it."""
    by_node: dict[str, list[RunningRun]] = defaultdict(list)
    for run in running:
        if run.preemptible:
            by_node[run.node_id].append(run)
    placed_on: dict[str, list[Placement]] = defaultdict(list)
    for placement in placements:
        placed_on[placement.node_id].append(placement)
    victims = []
    for node_id in sorted(by_node):
        index = db.position[node_id]
        if not db.overcommitted(index):
            continue
        ordered = sorted(
            by_node[node_id],
            key=lambda r: (r.priority, -over_share(r.queue), -r.leased_ns, r.id),
        )
        for run in ordered:
            if not db.overcommitted(index):
                break
            release(db, space, run)
            taker = next((p for p in placed_on[node_id] if p.priority > run.priority), None)
            victims.append(_urgency(run, taker))
    return victims


def _urgency(run: RunningRun, placed: Placement | None) -> Preemption:
    reason = f"node {run.node_id} is over-committed"
    if placed is not None:
        reason = (
            f"room on node {run.node_id} was taken by job {placed.job_id} "
            f"of priority {placed.priority}"
        )
    return Preemption(run.id, run.job_id, run.queue, run.node_id, PreemptionKind.URGENCY, reason)


def gang_mates(
    db: NodeDb,
    space: ResourceSpace,
    running: Sequence[RunningRun],
    preempted: Mapping[str, Preemption],
) -> list[Preemption]:
    """The still running members of every gang that lost a member."""
    lost: dict[tuple[str, str], str] = {}
    for run in running:
        if run.id in preempted and run.gang_id:
            lost.setdefault((run.queue, run.gang_id), run.id)
    mates = []
    for run in running:
        first = lost.get((run.queue, run.gang_id))
        if first is not None and run.id not in preempted:
            release(db, space, run)
            mates.append(
                Preemption(
                    run.id,
                    run.job_id,
                    run.queue,
                    run.node_id,
                    PreemptionKind.GANG,
                    f"gang {run.gang_id} lost member run {first}",
                )
            )
    return mates
