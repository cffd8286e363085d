"""Finding nodes for a unit, all members or none.

Members are placed one by one, each charged to its node so the next sees what is
left; if one finds no node, the charges are undone. With a node-uniformity label
the gang is tried within each value of the label and kept where it leaves the
fewest free resources of the first kind (bin-packing); ties go to the lower value.
"""

from __future__ import annotations

from collections.abc import Sequence

from armada_core.scheduling.candidates import Candidate, Unit
from armada_core.scheduling.nodes import NodeDb


def place_unit(db: NodeDb, unit: Unit) -> list[int] | Candidate:
    """Charge the unit's members to nodes and return those nodes (in member order),
    or charge nothing and return the first member that found no node."""
    if not unit.uniformity:
        return _place_members(db, unit.members, None)
    best: tuple[int, str] | None = None
    for value in _label_values(db, unit.uniformity):
        allowed = [labels.get(unit.uniformity) == value for labels in db.labels]
        nodes = _place_members(db, unit.members, allowed)
        if isinstance(nodes, list):
            left = sum(db.free[0][i][0] for i, ok in enumerate(allowed) if ok)
            best = min(best or (left, value), (left, value))
            _undo(db, unit.members, nodes)
    if best is None:
        return unit.members[0]
    allowed = [labels.get(unit.uniformity) == best[1] for labels in db.labels]
    return _place_members(db, unit.members, allowed)


def place_pinned(db: NodeDb, unit: Unit) -> bool:
    """Give evicted members their own nodes back, if all of them still fit there."""
    done: list[Candidate] = []
    for member in unit.members:
        if not db.fits_on(member.pinned, member.request, member.level):
            _undo(db, done, [m.pinned for m in done])
            return False
        db.charge(member.pinned, member.request, member.up_to)
        done.append(member)
    return True


def _place_members(
    db: NodeDb, members: Sequence[Candidate], allowed: list[bool] | None
) -> list[int] | Candidate:
    nodes: list[int] = []
    for member in members:
        eligible = db.eligible(member.constraints)
        if allowed is not None:
            eligible = [a and b for a, b in zip(eligible, allowed, strict=True)]
        node = db.best_fit(member.request, member.level, eligible)
        if node < 0:
            _undo(db, members[: len(nodes)], nodes)
            return member
        db.charge(node, member.request, member.up_to)
        nodes.append(node)
    return nodes


def _undo(db: NodeDb, members: Sequence[Candidate], nodes: Sequence[int]) -> None:
    for member, node in zip(members, nodes, strict=True):
        db.charge(node, member.request, member.up_to, -1)


def _label_values(db: NodeDb, label: str) -> list[str]:
    return sorted({labels[label] for labels in db.labels if label in labels})
