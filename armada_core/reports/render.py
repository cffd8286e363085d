"""The three report texts, laid out as Armada lays them out (spec 3.4-3.6). Pure.

Each section is built as tab-separated lines, aligned with `tabwrite`, then nested
into the block around it behind leading tabs (one space each once aligned). Pools
come sorted; queues inside a pool too (Armada's order is unspecified).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence

from armada_core.reports.rounds import ByClass, PoolRound, QueueRound
from armada_core.reports.text import (
    by_class,
    go_duration,
    go_time,
    id_list,
    indented,
    name_list,
    resource_list,
    tabwrite,
)

Exclusions = Callable[[PoolRound, str], list[tuple[int, str]] | None]


def scheduling_report(rounds: Sequence[PoolRound], verbosity: int) -> str:
    """GetSchedulingReport: every pool's most recent round."""
    out = ""
    for round in rounds:
        body = "\tMost recent scheduling round:\n" + indented(_round(round, verbosity), 2)
        out += f"{round.pool}:\n" + tabwrite(body)
    return out


def queue_report(rounds: Sequence[PoolRound], queue: str, verbosity: int) -> str:
    """GetQueueReport: per pool, what its most recent round did for `queue`."""
    out = ""
    for round in rounds:
        head = f"\tMost recent scheduling round that considered queue {queue}:"
        found = round.queues.get(queue)
        if found is None:
            body = head + " none\n"
        else:
            body = head + "\n" + indented(_queue(round, found, verbosity), 2)
        out += f"{round.pool}:\n" + tabwrite(body)
    return out


def job_report(rounds: Sequence[PoolRound], job_id: str, exclusions: Exclusions) -> str:
    """GetJobReport: per pool, the most recent round's verdict on the job."""
    out = ""
    for round in rounds:
        head = f"\tMost recent scheduling round that affected job {job_id}:"
        queue = round.queue_of(job_id)
        if queue is None:
            body = head + " none\n"
        else:
            body = head + "\n" + indented(_job(round, queue, job_id, exclusions), 2)
        out += f"{round.pool}:\n" + tabwrite(body)
    return out


def _round(round: PoolRound, verbosity: int) -> str:
    order = round.resource_order
    queues = round.queues.values()
    scheduled = [q for q in queues if q.scheduled]
    preempted = [q for q in queues if q.preempted]
    lines = [
        ("Started:", go_time(round.started_ns, round.uptime_ns)),
        ("Finished:", go_time(round.finished_ns, round.uptime_ns + _took(round))),
        ("Duration:", go_duration(_took(round))),
        ("Termination reason:", round.termination),
        ("Total capacity:", resource_list(round.capacity, order)),
        ("Scheduled resources:", resource_list(_sum(q.scheduled_by_class for q in queues), order)),
        ("Preempted resources:", resource_list(_sum(q.preempted_by_class for q in queues), order)),
        ("Number of gangs scheduled:", str(round.gangs_scheduled)),
        ("Number of jobs scheduled:", str(sum(len(q.scheduled) for q in queues))),
        ("Number of jobs preempted:", str(sum(len(q.preempted) for q in queues))),
    ]
    if verbosity <= 0:
        lines.append(("Scheduled queues:", name_list(q.name for q in scheduled)))
        lines.append(("Preempted queues:", name_list(q.name for q in preempted)))
        return tabwrite(_cells(lines))
    text = _cells(lines)
    for label, chosen in (("Scheduled queues:", scheduled), ("Preempted queues:", preempted)):
        text += label + "\n"
        for queue in chosen:
            text += f"\t{queue.name}:\n" + indented(_queue(round, queue, verbosity - 2), 2)
    return tabwrite(text)


def _queue(round: PoolRound, queue: QueueRound, verbosity: int) -> str:
    order = round.resource_order
    resources = [
        ("Scheduled resources:", resource_list(_sum([queue.scheduled_by_class]), order)),
        ("Scheduled resources (by priority):", by_class(queue.scheduled_by_class, order)),
        ("Preempted resources:", resource_list(_sum([queue.preempted_by_class]), order)),
        ("Preempted resources (by priority):", by_class(queue.preempted_by_class, order)),
        ("Preempted by optimiser resources:", resource_list({}, order)),
        ("Preempted by optimiser resources (by priority):", ""),
    ]
    if verbosity < 0:
        return tabwrite(_cells(resources))
    lines = [
        ("Time:", go_time(round.started_ns, round.uptime_ns)),
        ("Queue:", queue.name),
        *resources,
        ("Total allocated resources after scheduling:", _allocated(queue, order)),
        *(
            (f"Total allocated resources after scheduling by for priority class {pc}:", text)
            for pc, text in _allocated_by_class(queue, order)
        ),
        ("Number of jobs scheduled:", str(len(queue.scheduled))),
        ("Number of jobs preempted:", str(len(queue.preempted))),
        ("Number of jobs preempted by optimiser:", "0"),
        ("Number of jobs that could not be scheduled:", str(len(queue.unschedulable))),
    ]
    if queue.scheduled:
        lines.append(("Scheduled jobs:", id_list(queue.scheduled)))
    if queue.preempted:
        lines.append(("Preempted jobs:", id_list(queue.preempted)))
    text = _cells(lines)
    if queue.unschedulable:
        text += "Unschedulable jobs:\n" + "".join(
            f"\t{count}: {reason} (e.g., {example})\n" for count, reason, example in _reasons(queue)
        )
    return tabwrite(text)


def _job(round: PoolRound, queue: QueueRound, job_id: str, exclusions: Exclusions) -> str:
    reason = queue.unschedulable.get(job_id)
    head = _cells(
        [
            ("Time:", go_time(round.started_ns, round.uptime_ns)),
            ("Job ID:", job_id),
            ("UnschedulableReason:", "none" if reason is None else reason),
        ]
    )
    excluded = exclusions(round, job_id)
    placement = round.placed.get(job_id)
    placed = None if placement is None else placement.node_id
    if placed is None and excluded is None:
        return tabwrite(head)  # stopped by a queue or round rule before any node was tried
    pod = _cells(
        [
            ("Node:", placed or "none"),
            ("Number of nodes in cluster:", str(len(round.nodes))),
        ]
    )
    if excluded:
        pod += "Excluded nodes:\n" + "".join(f"\t{n}: {why}\n" for n, why in excluded)
    else:
        pod += "Excluded nodes:\tnone\n"
    return tabwrite(head) + tabwrite(pod)


def _reasons(queue: QueueRound) -> list[tuple[int, str, str]]:
    """(count, reason, one job id) per distinct reason, most frequent first."""
    counts = Counter(queue.unschedulable.values())
    example: dict[str, str] = {}
    for job_id, reason in queue.unschedulable.items():
        example.setdefault(reason, job_id)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [(count, reason, example[reason]) for reason, count in ranked]


def _allocated(queue: QueueRound, order: Sequence[str]) -> str:
    return resource_list(_sum([queue.allocated_by_class]), order)


def _allocated_by_class(queue: QueueRound, order: Sequence[str]) -> list[tuple[str, str]]:
    held = queue.allocated_by_class
    return [(pc, resource_list(held[pc], order)) for pc in sorted(held) if any(held[pc].values())]


def _sum(per_class_maps: Iterable[ByClass]) -> dict[str, int]:
    total: dict[str, int] = {}
    for per_class in per_class_maps:
        for amounts in per_class.values():
            for name, amount in amounts.items():
                total[name] = total.get(name, 0) + amount
    return total


def _took(round: PoolRound) -> int:
    return max(round.finished_ns - round.started_ns, 0)


def _cells(lines: Iterable[tuple[str, str]]) -> str:
    return "".join(f"{label}\t{value}\n" for label, value in lines)
