"""Builders for submission tests (imported by name: `from submission_support import ...`)."""

from __future__ import annotations

import copy
from typing import Any

from armada_core.commands import JobSubmitItem, SubmitJobs
from armada_core.errors import InvalidArgument
from armada_core.jobs import Job, KubeObject
from armada_core.submission import SubmissionConfig, build_job, validate_submit

JOB_ID = "01hq3z5w9k8m2n4p6r7s9t0v1x"


def container(
    name: str = "main", cpu: Any = "1", memory: Any = "1Gi", **extra: Any
) -> dict[str, Any]:
    """A container whose limits equal its requests."""
    resources = {"cpu": cpu, "memory": memory}
    return {
        "name": name,
        "image": "alpine:3.20",
        "resources": {"requests": dict(resources), "limits": dict(resources)},
        **extra,
    }


def pod(*containers: dict[str, Any], **extra: Any) -> KubeObject:
    return {"containers": list(containers or [container()]), **extra}


def item(spec: KubeObject | None = None, **fields: Any) -> JobSubmitItem:
    fields.setdefault("namespace", "ns")
    return JobSubmitItem(pod_spec=spec if spec is not None else pod(), **fields)


def submit(*items: JobSubmitItem, queue: str = "q", job_set_id: str = "js") -> SubmitJobs:
    return SubmitJobs(queue, job_set_id, items or (item(),))


def rejection(command: SubmitJobs, config: SubmissionConfig | None = None) -> str | None:
    """The InvalidArgument message of `validate_submit`, None if it passes."""
    try:
        validate_submit(command, config or SubmissionConfig())
    except InvalidArgument as error:
        return error.message
    return None


def build(job_item: JobSubmitItem, config: SubmissionConfig | None = None, **kw: Any) -> Job:
    """`build_job` with fixed identity fields, checking that the item is left unchanged."""
    before = copy.deepcopy(job_item)
    job = build_job(
        job_item,
        job_id=kw.pop("job_id", JOB_ID),
        queue=kw.pop("queue", "q"),
        job_set_id=kw.pop("job_set_id", "js"),
        owner=kw.pop("owner", "alice"),
        groups=kw.pop("groups", ("everyone",)),
        created_ns=kw.pop("created_ns", 1),
        config=config or SubmissionConfig(),
    )
    assert job_item == before, "build_job modified its input"
    return job
