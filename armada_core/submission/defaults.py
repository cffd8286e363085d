"""Armada's pod-level defaults (§5.3), as a patch (`patch.PodPatch`) for the main pod spec.

In Armada's order: activeDeadlineSeconds, priorityClassName, default container
resources, tolerations, terminationGracePeriodSeconds. Container quantities are
rewritten to canonical text on the way (`0.2` → `200m`), as Armada stores them.

What the containers' resources imply (their defaulted canonical texts, the totals,
the resource-based deadline and tolerations) is worked out once per distinct content
and configuration by `plan_of`, and kept in the configuration's memo.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from armada_core.jobs import KubeObject, ResourceRequirements
from armada_core.submission.config import SubmissionConfig
from armada_core.submission.memo import PodKey, PodPlan, pod_key
from armada_core.submission.patch import ContainerTexts, PodPatch, holds_texts
from armada_core.submission.podspec import containers, init_containers
from armada_core.submission.resources import (
    ContainerResources,
    PodResources,
    ResourceList,
    canonical_texts,
)


def defaults_patch(
    rules: KubeObject, config: SubmissionConfig, key: PodKey | None = None
) -> tuple[PodPatch, ResourceRequirements]:
    """The patch the defaults make to a pod whose rule fields are `rules`
    (`PodSpec.rules()`), and the pod's scheduling resource requirements."""
    plan = pod_plan(rules, config, key)
    class_name = rules.get("priorityClassName") or config.default_priority_class_name
    # The patch depends on the plan and the class name only: made once per pair, and
    # then the same object for every job alike (which lets the adapters memoise what
    # they make of its pieces). A class name of another type is not memoised.
    patch = plan.patches.get(class_name) if type(class_name) is str else None
    if patch is None:
        patch = _patch_of(plan, class_name, config)
        if type(class_name) is str and len(plan.patches) < _PATCHES_PER_PLAN:
            plan.patches[class_name] = patch
    requirements = ResourceRequirements(requests=dict(plan.requests), limits=dict(plan.limits))
    return patch, requirements


_PATCHES_PER_PLAN = 16  # distinct class names a plan keeps patches for


def _patch_of(plan: PodPlan, class_name: str, config: SubmissionConfig) -> PodPatch:
    tolerations = (
        *config.default_job_tolerations,
        *config.default_job_tolerations_by_priority_class.get(class_name or "", ()),
        *plan.tolerations,
    )
    minimum = config.min_termination_grace_period.total_seconds()
    return PodPatch(
        active_deadline_seconds=plan.active_deadline,
        priority_class_name=config.default_priority_class_name,
        containers=plan.containers,
        init_containers=plan.init_containers,
        tolerations=tolerations,
        termination_grace_period_seconds=int(minimum) if minimum != 0 else None,
    )


def pod_plan(spec: KubeObject, config: SubmissionConfig, key: PodKey | None = None) -> PodPlan:
    """The plan of `spec`'s resources, from the memo when the same content was seen."""
    if key is None:
        key = pod_key(spec)
    plan = config.memo.plans.get(key)
    if plan is None:
        plan = plan_of(spec, config)
        config.memo.plans.put(key, plan)
    return plan


def plan_of(spec: KubeObject, config: SubmissionConfig) -> PodPlan:
    """Work out what `spec`'s container resources imply under `config`."""
    resources = PodResources.of(spec)
    deadline = _active_deadline(resources, config)  # on the requests before the defaults
    regular = _patch_texts(containers(spec), resources.regular, config)
    init = _patch_texts(init_containers(spec), resources.init, config)
    requests = resources.total("requests")
    return PodPlan(
        containers=regular,
        init_containers=init,
        active_deadline=deadline,
        tolerations=_resource_tolerations(requests, config),
        requests=canonical_texts(requests),
        limits=canonical_texts(resources.total("limits")),
    )


def _active_deadline(resources: PodResources, config: SubmissionConfig) -> int | None:
    # The longest per-resource deadline among resources some container asks for.
    seconds = 0.0
    for resource, deadline in config.default_active_deadline_by_resource_request.items():
        if deadline.total_seconds() > seconds and _requested(resources, resource):
            seconds = deadline.total_seconds()
    if seconds == 0:
        seconds = config.default_active_deadline.total_seconds()
    return math.ceil(seconds) if seconds != 0 else None


def _requested(resources: PodResources, resource: str) -> bool:
    for container in resources.regular:
        quantity = container.requests.get(resource)
        if quantity is not None and quantity.sign() > 0:
            return True
    return False


def _patch_texts(
    pod: Sequence[KubeObject], resources: Sequence[ContainerResources], config: SubmissionConfig
) -> tuple[ContainerTexts | None, ...]:
    """Each container's defaulted texts, None where its own are those already: decided
    here, once per distinct content (the plan's memo key is the resources' content), so
    that applying the patch compares nothing per job."""
    texts = [_defaulted_texts(own, config) for own in resources]
    return tuple(
        None if holds_texts(container, own) else own
        for container, own in zip(pod, texts, strict=True)
    )


def _defaulted_texts(own: ContainerResources, config: SubmissionConfig) -> ContainerTexts:
    # A resource the container names neither as request nor as limit gets the default.
    for name, quantity in config.default_job_limits.items():
        if name not in own.requests and name not in own.limits:
            own.requests[name] = own.limits[name] = quantity
    return canonical_texts(own.requests), canonical_texts(own.limits)


def _resource_tolerations(
    requests: ResourceList, config: SubmissionConfig
) -> tuple[KubeObject, ...]:
    added: list[KubeObject] = []
    for resource, tolerations in config.default_job_tolerations_by_resource_request.items():
        quantity = requests.get(resource)
        if quantity is not None and quantity.sign() > 0:
            added += tolerations
    return tuple(added)
