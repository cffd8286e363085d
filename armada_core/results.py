"""Results of use cases that are more than a plain value."""

from __future__ import annotations

from dataclasses import dataclass

from armada_core.errors import ArmadaError
from armada_core.jobs import JobRecord, JobSetActivity
from armada_core.queues import QueueSpec
from armada_core.runs import Run


@dataclass(frozen=True, slots=True)
class QueueFailure:
    """One failed item of a batch queue create/update."""

    spec: QueueSpec
    error: ArmadaError


@dataclass(frozen=True, slots=True)
class QueueInfo:
    """The legacy GetQueueInfo answer: job sets with queued or leased jobs."""

    name: str
    active_job_sets: tuple[JobSetActivity, ...]


@dataclass(frozen=True, slots=True)
class JobDetails:
    """GetJobDetails: a job record and its runs; the adapter decides what to expand."""

    record: JobRecord
    expand_job_spec: bool
    expand_job_run: bool
    runs: tuple[Run, ...] = ()
