"""Why a job fits no node, in a few words (the pending reason of `DOES_NOT_FIT` and
`NO_MATCHING_NODE`). Worked out once per scheduling key, so walking the nodes is fine."""

from __future__ import annotations

from collections import Counter

from armada_core.scheduling.matching import Constraints
from armada_core.scheduling.nodes import NodeDb
from armada_core.scheduling.resources import ResourceSpace, Vector
from armada_core.scheduling.result import Pending, PendingKind

_MOST_NAMED = 3
LARGER_THAN_ANY_NODE = "requests more than any node has"  # no eviction would help


def explain_no_fit(
    db: NodeDb, space: ResourceSpace, constraints: Constraints, request: Vector, level: int
) -> Pending:
    cordoned = _only_on_cordoned(db, constraints, request, level)
    if cordoned is not None:
        return cordoned
    eligible = [i for i, ok in enumerate(db.eligible(constraints)) if ok]
    if not eligible:
        return _no_matching_node(db, constraints)
    too_big = [
        i for i, amount in enumerate(request) if amount > max(db.capacity[n][i] for n in eligible)
    ]
    if too_big:
        named = ", ".join(space.text(i, request[i]) for i in too_big[:_MOST_NAMED])
        return Pending(PendingKind.DOES_NOT_FIT, f"{LARGER_THAN_ANY_NODE}: {named}")
    free = db.free[level]
    short = [i for i, amount in enumerate(request) if amount > max(free[n][i] for n in eligible)]
    if short:
        named = ", ".join(space.names[i] for i in short[:_MOST_NAMED])
        return Pending(PendingKind.DOES_NOT_FIT, f"no node has enough free {named}")
    return Pending(
        PendingKind.DOES_NOT_FIT, "no node has enough of every requested resource at once"
    )


def _no_matching_node(db: NodeDb, constraints: Constraints) -> Pending:
    why = Counter(db.mismatch(constraints, i) for i in range(len(db.nodes)))
    counts = ", ".join(f"{count} {word}" for word, count in sorted(why.items(), key=str))
    return Pending(
        PendingKind.NO_MATCHING_NODE, f"none of {len(db.nodes)} nodes is eligible: {counts}"
    )


def _only_on_cordoned(
    db: NodeDb, constraints: Constraints, request: Vector, level: int
) -> Pending | None:
    """EXECUTOR_CORDONED when a node of a cordoned executor would take the job now."""
    executors = sorted(
        {
            db.nodes[i].executor
            for i in range(len(db.nodes))
            if db.nodes[i].cordoned
            and db.mismatch_uncordoned(constraints, i) is None
            and db.fits_on(i, request, level)
        }
    )
    if not executors:
        return None
    named = ", ".join(e[:100] for e in executors[:_MOST_NAMED])
    more = f" and {len(executors) - _MOST_NAMED} more" if len(executors) > _MOST_NAMED else ""
    return Pending(
        PendingKind.EXECUTOR_CORDONED, f"only cordoned executors have room for it: {named}{more}"
    )
