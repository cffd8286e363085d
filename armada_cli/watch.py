"""Job-set state as armadactl's watch tracks it, and its per-event lines (spec §10).

`JobStates.apply(event)` updates one record per job id from an `api.EventMessage`;
`summary_line` and `raw_line` print an event as armadactl does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from google.protobuf.message import Message

from armada_adapters.wire.jsoncodec import to_json

SUBMITTED, QUEUED, LEASED, PENDING, RUNNING, SUCCEEDED, FAILED, CANCELLED = (
    "Submitted",
    "Queued",
    "Leased",
    "Pending",
    "Running",
    "Succeeded",
    "Failed",
    "Cancelled",
)
COUNTED = (QUEUED, LEASED, PENDING, RUNNING, SUCCEEDED, FAILED, CANCELLED)
FINISHED = frozenset({SUCCEEDED, FAILED, CANCELLED})
JOB_STATUS = {
    "JobSubmittedEvent": SUBMITTED,
    "JobQueuedEvent": QUEUED,
    "JobLeasedEvent": LEASED,
    "JobLeaseReturnedEvent": QUEUED,
    "JobLeaseExpiredEvent": QUEUED,
    "JobCancelledEvent": CANCELLED,
}
POD_STATUS = {
    "JobPendingEvent": PENDING,
    "JobRunningEvent": RUNNING,
    "JobSucceededEvent": SUCCEEDED,
    "JobFailedEvent": FAILED,
}
POD_EVENTS = frozenset({*POD_STATUS, "JobIngressInfoEvent"})
USER_EVENTS = frozenset(
    {
        "JobCancellingEvent",
        "JobCancelledEvent",
        "JobReprioritizingEvent",
        "JobReprioritizedEvent",
        "JobPreemptingEvent",
        "JobPreemptedEvent",
    }
)
DEFAULT_KUBECTL = "kubectl --context {{cluster}} -n {{namespace}} {{cmd}} {{pod}}"


@dataclass
class JobRecord:
    status: str = SUBMITTED
    updated: float = float("-inf")
    cluster: str = ""
    namespace: str | None = None  # known once the submitted event was seen
    pods: dict[int, tuple[str, float]] = field(default_factory=dict)


def event_of(message: Message) -> tuple[str, Any]:
    """The type name (`JobQueuedEvent`) and the event inside an `api.EventMessage`."""
    kind = message.WhichOneof("events")
    if kind is None:
        return "", None
    event = getattr(message, kind)
    return event.DESCRIPTOR.name, event


def _seconds(event: Any) -> float:
    return float(event.created.seconds) + float(event.created.nanos) / 1e9


class JobStates:
    """One record per job id, updated as armadactl's client-side tracking does."""

    def __init__(self) -> None:
        self.jobs: dict[str, JobRecord] = {}

    def apply(self, kind: str, event: Any) -> None:
        record = self.jobs.setdefault(event.job_id, JobRecord())
        when = _seconds(event)
        if kind == "JobSubmittedEvent":
            record.namespace = event.job.namespace
        if kind in POD_STATUS:
            self._pod_event(record, kind, event, when)
        elif kind in JOB_STATUS and when >= record.updated:
            record.status, record.updated = JOB_STATUS[kind], when
            if kind == "JobLeasedEvent":
                record.cluster = event.cluster_id
            if record.status == QUEUED:
                record.pods.clear()

    def _pod_event(self, record: JobRecord, kind: str, event: Any, when: float) -> None:
        if kind == "JobFailedEvent" and event.retryable:
            self.apply("JobLeaseReturnedEvent", event)
            return
        previous = record.pods.get(event.pod_number)
        if previous is not None and when < previous[1]:
            return
        record.pods[event.pod_number] = (POD_STATUS[kind], when)
        record.cluster = event.cluster_id or record.cluster
        record.updated = max(record.updated, when)
        statuses = {status for status, _ in record.pods.values()}
        record.status = next((s for s in (FAILED, PENDING, RUNNING) if s in statuses), SUCCEEDED)

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(COUNTED, 0)
        for record in self.jobs.values():
            if record.status in counts:
                counts[record.status] += 1
        return counts

    def inactive(self) -> bool:
        """Every tracked job has finished (armadactl's --exit-if-inactive test)."""
        return sum(r.status in FINISHED for r in self.jobs.values()) == len(self.jobs)


def timestamp(event: Any) -> str:
    """`created` in UTC as Go's "Jan _2 15:04:05"."""
    moment = datetime.fromtimestamp(event.created.seconds, UTC)
    return f"{moment:%b} {moment.day:>2} {moment:%H:%M:%S}"


def summary_line(states: JobStates, kind: str, event: Any) -> str:
    counts = states.counts()
    figures = ", ".join(f"{name}: {counts[name]:3d}" for name in COUNTED)
    line = f"{timestamp(event)} | {figures} | {kind}, job id: {event.job_id}"
    if kind in USER_EVENTS and event.requestor:
        line += f", user: {event.requestor}"
    if kind in POD_EVENTS:
        line += f" pod: {event.pod_number}"
    return line


def failure_lines(states: JobStates, event: Any, template: str) -> list[str]:
    """What armadactl adds after a JobFailedEvent: the reason and a kubectl hint.

    Ours: the failure category (and subcategory) on a line of its own when the event
    has one, so output without categories stays armadactl's.
    """
    lines = [f"Job failed: {event.reason}"]
    if event.failure_category:
        sub = event.failure_subcategory
        named = f"{event.failure_category}/{sub}" if sub else event.failure_category
        lines.append(f"Failure category: {named}")
    record = states.jobs.get(event.job_id)
    if record is not None and record.cluster and record.namespace is not None:
        command = (
            (template or DEFAULT_KUBECTL)
            .replace("{{cluster}}", record.cluster)
            .replace("{{namespace}}", record.namespace)
            .replace("{{cmd}}", "logs")
            .replace("{{pod}}", f"armada-{event.job_id}-{event.pod_number}")
        )
        lines.append(f"Found no logs for job; try '{command} --tail=50'")
    return lines


def raw_line(kind: str, event: Any) -> str:
    """`*api.JobQueuedEvent {"jobId":...}`: Go's type name and the event's Go-JSON."""
    return f"*api.{kind} " + json.dumps(to_json(event), separators=(",", ":"), ensure_ascii=False)
