"""A waiting job's reason, as the reports print it.

Armada's reason texts (spec 3.7) lead where a pending kind has one; the scheduler's
own message follows, saying which resource, node, gang or limit. Kinds this module
does not know (a newer scheduler's) print their message alone, so every kind renders.

Armada has no "over fair share" reason: a queue above its share is simply offered
nothing more. We say it: when a job did not fit on free resources and its queue
holds more than its fair share of the pool, the reason adds the two shares, since
that is why the scheduler would not preempt for it.
"""

from __future__ import annotations

from armada_core.scheduling import Pending, PendingKind, QueueShare
from armada_core.scheduling.explain import LARGER_THAN_ANY_NODE

_ARMADA = {
    PendingKind.NO_MATCHING_NODE: "job does not fit on any node",
    PendingKind.DOES_NOT_FIT: "job does not fit on any node",
    PendingKind.GANG_INCOMPLETE: "unable to schedule gang since minimum cardinality not met",
    PendingKind.GANG_DOES_NOT_FIT: "at least one job in the gang does not fit on any node",
    PendingKind.QUEUE_CORDONED: "queue cordoned",
    PendingKind.QUEUE_LIMIT: "resource limit exceeded",
    PendingKind.ROUND_LIMIT: "maximum resources scheduled",
}
# Kinds that walked the nodes: their job report lists why each node was excluded.
TRIED_NODES = frozenset(
    {PendingKind.NO_MATCHING_NODE, PendingKind.DOES_NOT_FIT, PendingKind.GANG_DOES_NOT_FIT}
)
_SHARE_SLACK = 1e-9  # shares are float sums; equal shares must not read as "above"


def reason_text(pending: Pending, queue: str, share: QueueShare | None) -> str:
    """The reason line of a waiting job of `queue` (share: the queue's, if active)."""
    lead = _ARMADA.get(pending.kind)
    text = pending.message if lead is None else f"{lead}: {pending.message}"
    if _short_of_free(pending) and _above(share):
        assert share is not None
        text += (
            f"; queue {queue} holds {_percent(share.allocated_share)} of the pool, above its "
            f"fair share of {_percent(share.adjusted_fair_share)}, so nothing is preempted "
            "for it"
        )
    return text


def _short_of_free(pending: Pending) -> bool:
    """Did not fit on what was free (and would on an empty node)?"""
    return pending.kind is PendingKind.DOES_NOT_FIT and not pending.message.startswith(
        LARGER_THAN_ANY_NODE
    )


def _above(share: QueueShare | None) -> bool:
    return share is not None and share.allocated_share > share.adjusted_fair_share + _SHARE_SLACK


def _percent(fraction: float) -> str:
    return f"{fraction * 100:.0f}%"
