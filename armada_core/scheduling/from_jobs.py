"""A stored job as the scheduler sees it: what it asks for and where it may go."""

from __future__ import annotations

from armada_core.jobs import JobRecord
from armada_core.scheduling.matching import Toleration, node_affinity_from_kube
from armada_core.scheduling.model import QueuedJob, units_of
from armada_core.submission.gangs import parse_gang
from armada_core.submission.podspec import priority_class_name


def queued_job(record: JobRecord) -> QueuedJob:
    """The queued job of a stored record (its current priority, its defaulted pod spec).

    Gang annotations were checked at submit, so they parse.
    """
    job, spec = record.job, record.job.pod_spec
    return QueuedJob(
        id=job.id,
        queue=job.queue,
        job_set=job.job_set_id,
        requests=units_of(job.scheduling_resource_requirements.requests),
        priority_class=priority_class_name(spec),
        priority=record.priority,
        submitted_ns=job.created_ns,
        tolerations=tuple(Toleration.from_kube(t) for t in spec.get("tolerations") or ()),
        node_selector={str(k): str(v) for k, v in (spec.get("nodeSelector") or {}).items()},
        node_affinity=node_affinity_from_kube(spec.get("affinity")),
        gang=parse_gang(job.annotations),
    )
