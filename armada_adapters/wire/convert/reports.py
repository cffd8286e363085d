"""SchedulerReporting: its requests ⇄ core values, and the `{report}` answers.

The deprecated filter of SchedulingReportRequest is a oneof, which the codec writes
inside Go's wrapper object (`Filter`); an empty report is left out (`{}` on REST).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from armada_adapters.wire.convert.common import JsonDict, compact, integer, text


@dataclass(frozen=True, slots=True)
class SchedulingReportQuery:
    verbosity: int
    queue: str | None
    job_id: str | None


def scheduling_report_query(data: Mapping[str, Any]) -> SchedulingReportQuery:
    """`schedulerobjects.SchedulingReportRequest`: verbosity and its deprecated filter."""
    chosen = data.get("Filter") or {}
    queue, job = chosen.get("mostRecentForQueue"), chosen.get("mostRecentForJob")
    return SchedulingReportQuery(
        integer(data, "verbosity"),
        None if queue is None else text(queue, "queueName"),
        None if job is None else text(job, "jobId"),
    )


def queue_report_query(data: Mapping[str, Any]) -> tuple[str, int]:
    """`schedulerobjects.QueueReportRequest`: the queue and the verbosity."""
    return text(data, "queueName"), integer(data, "verbosity")


def job_report_job_id(data: Mapping[str, Any]) -> str:
    """`schedulerobjects.JobReportRequest`: the job id."""
    return text(data, "jobId")


def report_json(report: str) -> JsonDict:
    """SchedulingReport, QueueReport and JobReport: `{report}` (omitted when empty)."""
    return compact(report=report)
