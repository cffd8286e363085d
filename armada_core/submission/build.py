"""Conversion of a validated submit item into the immutable `Job` (§5.3, §5.4).

Order as in Armada: priority, namespace, templating of `{JobId}` in labels and
annotations, gang defaults, pod defaults, scheduling resource requirements, then the
generated Services and Ingresses. The caller's item and its dicts are never modified.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from armada_core.commands import JobSubmitItem
from armada_core.errors import InvalidArgument
from armada_core.jobs import Job, KubeObject
from armada_core.limits import MAX_PRIORITY, check_number
from armada_core.submission.config import SubmissionConfig
from armada_core.submission.defaults import defaults_patch
from armada_core.submission.gangs import apply_gang_defaults
from armada_core.submission.memo import PodKey
from armada_core.submission.podspec import main_pod_spec
from armada_core.submission.services import JobObjects, services_and_ingresses

EXTERNAL_JOB_URI = "armadaproject.io/externalJobUri"


def build_job(
    item: JobSubmitItem,
    *,
    job_id: str,
    queue: str,
    job_set_id: str,
    owner: str,
    groups: tuple[str, ...],
    created_ns: int,
    config: SubmissionConfig,
    pod_key: PodKey | None = None,
) -> Job:
    """The job Armada would store for `item` (already validated); `pod_key` is the
    key `validate_submit` returned for it, if at hand."""
    spec = main_pod_spec(item)
    if spec is None:
        raise InvalidArgument("Job must contain at least one PodSpec")
    namespace = item.namespace or config.default_namespace
    annotations = template_job_id(item.annotations, job_id)
    labels = template_job_id(item.labels, job_id)
    apply_gang_defaults(
        annotations,
        labels,
        uniformity_label=config.default_gang_node_uniformity_label,
        add_gang_id_label=config.add_gang_id_label,
    )
    rules = spec.rules()
    patch, requirements = defaults_patch(rules, config, pod_key)
    services: tuple[KubeObject, ...] = ()
    ingresses: tuple[KubeObject, ...] = ()
    if item.services or item.ingress:
        objects = JobObjects(job_id, queue, job_set_id, owner, namespace)
        services, ingresses = services_and_ingresses(item, rules, objects, config)
    return Job(
        id=job_id,
        queue=queue,
        job_set_id=job_set_id,
        namespace=namespace,
        owner=owner,
        groups=groups,
        priority=priority_as_uint32(item.priority),
        created_ns=created_ns,
        spec=spec.patched(patch),
        client_id=item.client_id,
        labels=labels,
        annotations=annotations,
        scheduling_resource_requirements=requirements,
        external_job_uri=item.external_job_uri or annotations.get(EXTERNAL_JOB_URI, ""),
        services=services,
        ingresses=ingresses,
    )


def check_priority(field: str, priority: float) -> None:
    """A priority is a finite number from 0 to 2^32-1 (Armada clamps; we refuse)."""
    check_number(field, priority, 0, MAX_PRIORITY)


def priority_as_uint32(priority: float) -> int:
    """Armada's `PriorityAsInt32`: clamp to [0, 2^32-1], round half away from zero.

    Requests are refused beyond that range (`check_priority`); the clamp stays for
    callers inside the core.
    """
    if 0 <= priority <= MAX_PRIORITY:  # the usual case (NaN compares false)
        whole = int(priority)  # truncation is floor for non-negative values
        return whole + (priority - whole >= 0.5)
    if math.isnan(priority):
        return 0
    return 0 if priority < 0 else MAX_PRIORITY


def template_job_id(values: Mapping[str, str], job_id: str) -> dict[str, str]:
    """A copy where `{JobId}` becomes the job id and `{{JobId}}` the literal `JobId`."""
    if not values:
        return {}
    return {
        key: _template(value, job_id) if "JobId}" in value else value
        for key, value in values.items()
    }


def _template(value: str, job_id: str) -> str:
    return "JobId".join(part.replace("{JobId}", job_id) for part in value.split("{{JobId}}"))
