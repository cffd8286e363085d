"""Armada's pod-level defaults (§5.3), applied to a copy of the main pod spec.

In Armada's order: activeDeadlineSeconds, priorityClassName, default container
resources, tolerations, terminationGracePeriodSeconds. Container quantities are
rewritten to canonical text on the way (`0.2` → `200m`), as Armada stores them.
Only what changes is copied: the pod dict, its container lists, each container and
its `resources`; everything else is shared with the input, which is never modified.
Each container's quantities are parsed once and reused for every step.
"""

from __future__ import annotations

import math

from armada_core.jobs import KubeObject, ResourceRequirements
from armada_core.submission.config import SubmissionConfig
from armada_core.submission.podspec import Container
from armada_core.submission.resources import (
    ContainerResources,
    PodResources,
    ResourceList,
    canonical_texts,
)


def default_pod_spec(
    spec: KubeObject, config: SubmissionConfig
) -> tuple[KubeObject, ResourceRequirements]:
    """A new, defaulted pod spec and its scheduling resource requirements."""
    pod = dict(spec)
    resources = PodResources.of(spec)
    _default_active_deadline(pod, resources, config)
    _default_priority_class(pod, config)
    _default_container_resources(pod, resources, config)
    requests = resources.total("requests")  # after the defaults: both steps below use it
    _default_tolerations(pod, requests, config)
    _default_termination_grace_period(pod, config)
    requirements = ResourceRequirements(
        requests=canonical_texts(requests),
        limits=canonical_texts(resources.total("limits")),
    )
    return pod, requirements


def _default_active_deadline(
    pod: KubeObject, resources: PodResources, config: SubmissionConfig
) -> None:
    if pod.get("activeDeadlineSeconds") is not None:
        return
    # The longest per-resource deadline among resources some container asks for.
    seconds = 0.0
    for resource, deadline in config.default_active_deadline_by_resource_request.items():
        if deadline.total_seconds() > seconds and _requested(resources, resource):
            seconds = deadline.total_seconds()
    if seconds == 0:
        seconds = config.default_active_deadline.total_seconds()
    if seconds != 0:
        pod["activeDeadlineSeconds"] = math.ceil(seconds)


def _requested(resources: PodResources, resource: str) -> bool:
    for container in resources.regular:
        quantity = container.requests.get(resource)
        if quantity is not None and quantity.sign() > 0:
            return True
    return False


def _default_priority_class(pod: KubeObject, config: SubmissionConfig) -> None:
    if not pod.get("priorityClassName") and config.default_priority_class_name:
        pod["priorityClassName"] = config.default_priority_class_name


def _default_container_resources(
    pod: KubeObject, resources: PodResources, config: SubmissionConfig
) -> None:
    for key, parsed in (("containers", resources.regular), ("initContainers", resources.init)):
        if parsed:
            pod[key] = [
                _with_resources(container, own, config)
                for container, own in zip(pod[key], parsed, strict=True)
            ]


def _with_resources(
    container: Container, own: ContainerResources, config: SubmissionConfig
) -> Container:
    # A resource the container names neither as request nor as limit gets the default.
    for name, quantity in config.default_job_limits.items():
        if name not in own.requests and name not in own.limits:
            own.requests[name] = own.limits[name] = quantity
    resources = dict(container.get("resources") or {})
    if own.requests or "requests" in resources:
        resources["requests"] = canonical_texts(own.requests)
    if own.limits or "limits" in resources:
        resources["limits"] = canonical_texts(own.limits)
    copy = dict(container)
    if resources:
        copy["resources"] = resources
    return copy


def _default_tolerations(pod: KubeObject, requests: ResourceList, config: SubmissionConfig) -> None:
    added = list(config.default_job_tolerations)
    added += config.default_job_tolerations_by_priority_class.get(
        pod.get("priorityClassName") or "", ()
    )
    for resource, tolerations in config.default_job_tolerations_by_resource_request.items():
        quantity = requests.get(resource)
        if quantity is not None and quantity.sign() > 0:
            added += tolerations
    if added:
        # Copies, so a job's pod spec never shares a dict with the configuration.
        pod["tolerations"] = [*(pod.get("tolerations") or ()), *map(dict, added)]


def _default_termination_grace_period(pod: KubeObject, config: SubmissionConfig) -> None:
    minimum = config.min_termination_grace_period.total_seconds()
    if minimum != 0 and not pod.get("terminationGracePeriodSeconds"):
        pod["terminationGracePeriodSeconds"] = int(minimum)
