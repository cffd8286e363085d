"""SubmitJobs validation: Armada's rules, in Armada's order, with Armada's messages.

The first failing rule raises `InvalidArgument`. Request-level rules run first, then
every item's rules in turn (`internal/server/submit/validation/submit_request.go`).
Not checked, as in Armada: whether a job fits on any node (decision #5), labels,
annotations other than gang and price band, services.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from armada_core.commands import JobSubmitItem, SubmitJobs
from armada_core.echo import shown
from armada_core.errors import InvalidArgument
from armada_core.jobs import KubeObject
from armada_core.limits import (
    EXTERNAL_URI_BYTES,
    NAMESPACE_BYTES,
    check_annotations,
    check_client_id,
    check_job_set_id,
    check_labels,
    check_length,
)
from armada_core.submission._go import duration_nanos, go_quote
from armada_core.submission.affinity import node_selector_errors
from armada_core.submission.build import check_priority
from armada_core.submission.config import SubmissionConfig
from armada_core.submission.gangs import check_gangs
from armada_core.submission.memo import PodKey, pod_key
from armada_core.submission.podspec import (
    all_containers,
    as_pod_spec,
    container_name,
    init_containers,
)
from armada_core.submission.resources import Kind, ResourceList, resource_list

if TYPE_CHECKING:
    from armada_core.ports import PodSpec

PRICE_BAND = "armadaproject.io/priceBand"
_PRICE_BANDS = frozenset("ABCDEFGH")
_KINDS: tuple[Kind, ...] = ("requests", "limits")

Rule = Callable[[JobSubmitItem, KubeObject, SubmissionConfig], None]

# Stateless and reused: building an encoder per call costs as much as encoding. No
# circular check (decoded JSON has no cycles): it doubles the cost of encoding.
_COMPACT_JSON = json.JSONEncoder(separators=(",", ":"), check_circular=False)


def validate_submit(command: SubmitJobs, config: SubmissionConfig) -> list[PodKey | None]:
    """Raise InvalidArgument for the first rule the request breaks.

    Returns each item's pod key (see `memo.pod_key`), which `build_job` takes so that
    the resources of a pod are looked at once per submit, not twice.
    """
    check_submit_request(command)
    return [validate_item(item, config) for item in command.items]


def validate_item(item: JobSubmitItem, config: SubmissionConfig) -> PodKey | None:
    """Raise InvalidArgument for the first rule one item breaks; else its pod key."""
    _check_namespace(item, config)
    pod = _single_pod_spec(item)
    _check_size(pod, config)
    spec = pod.rules()
    key = pod_key(spec)
    for rule in _ITEM_RULES:
        rule(item, spec, config)
    _check_container_resources(item, spec, config, key)
    for rule in _LATER_RULES:
        rule(item, spec, config)
    return key


def check_submit_request(command: SubmitJobs) -> None:
    """The request-level rules, which Armada checks before any item."""
    if not command.queue:
        raise InvalidArgument("queue is a required field")
    check_gangs(command.items)
    if not command.job_set_id:
        raise InvalidArgument("job set id is a required field")
    check_job_set_id(command.job_set_id)


def _check_namespace(item: JobSubmitItem, config: SubmissionConfig) -> None:
    # Decision #6: an empty namespace takes the configured default, if there is one.
    if not item.namespace and not config.default_namespace:
        raise InvalidArgument("namespace is a required field")
    check_length("namespace", item.namespace, NAMESPACE_BYTES)


def _single_pod_spec(item: JobSubmitItem) -> PodSpec:
    if item.pod_spec is None and not item.pod_specs:
        raise InvalidArgument("Job must contain at least one PodSpec")
    if item.pod_spec is not None and item.pod_specs:
        raise InvalidArgument(
            "PodSpec must be nil if PodSpecs is provided (i.e., these are exclusive)"
        )
    if len(item.pod_specs) > 1:
        raise InvalidArgument("Jobs with multiple pods are not supported")
    return as_pod_spec(item.pod_spec if item.pod_spec is not None else item.pod_specs[0])


def _check_size(pod: PodSpec, config: SubmissionConfig) -> None:
    # The protobuf size where the pod spec knows it (the wire's pod specs are protobuf
    # messages); otherwise, for a Kubernetes JSON dict, compact JSON stands in for it.
    size = pod.size()
    if size is None:
        size = len(_COMPACT_JSON.encode(pod.kube()))
    if size > config.max_pod_spec_size_bytes:
        raise InvalidArgument(
            f"Pod spec has a size of {size} bytes which is greater than the maximum allowed "
            f"size of {config.max_pod_spec_size_bytes}"
        )


def _check_affinity(_item: JobSubmitItem, spec: KubeObject, _config: SubmissionConfig) -> None:
    node_affinity = (spec.get("affinity") or {}).get("nodeAffinity")
    if not node_affinity:
        return
    if node_affinity.get("preferredDuringSchedulingIgnoredDuringExecution"):
        raise InvalidArgument(
            "preferredDuringSchedulingIgnoredDuringExecution node affinity is not supported "
            "by Armada"
        )
    required = node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
    problem = node_selector_errors(required) if required is not None else None
    if problem:
        raise InvalidArgument(
            f"invalid RequiredDuringSchedulingIgnoredDuringExecution node affinity: {problem}"
        )


def _check_container_resources(
    item: JobSubmitItem, spec: KubeObject, config: SubmissionConfig, key: PodKey | None
) -> None:
    """`_check_resources` then `_check_init_cpu`, once per distinct resources content."""
    if config.memo.passed.get(key):
        return  # the same resources passed before: names only matter in messages
    _check_resources(item, spec, config)
    _check_init_cpu(item, spec, config)
    config.memo.passed.put(key, True)


def _check_resources(_item: JobSubmitItem, spec: KubeObject, config: SubmissionConfig) -> None:
    for container in all_containers(spec):
        name = shown(container_name(container))
        requests = resource_list(container, "requests")
        limits = resource_list(container, "limits")
        # Armada tests the requests twice here (a typo), so limits alone do not count.
        if not requests:
            raise InvalidArgument(f"container {name} has no resources specified")
        if len(requests) != len(limits):
            raise InvalidArgument(
                f"container {name} defines different resources for requests and limits"
            )
        _check_not_negative(name, "request", requests)
        _check_not_negative(name, "limit", limits)
        _check_limits(name, requests, limits, config)
        _check_minimums(name, requests, config)


def _check_not_negative(name: str, kind: str, resources: ResourceList) -> None:
    for resource, quantity in resources.items():
        if quantity.sign() < 0:
            raise InvalidArgument(
                f"container {name} defines negative resource {kind} ({shown(quantity)}) "
                f"for resource {shown(resource)}"
            )


def _check_limits(
    name: str, requests: ResourceList, limits: ResourceList, config: SubmissionConfig
) -> None:
    factors = config.max_oversubscription_by_resource_request
    for resource, request in requests.items():
        limit = limits.get(resource)
        if limit is None:
            raise InvalidArgument(
                f"container {name} defines {shown(resource)} for requests but not limits"
            )
        # Compared in milli-units; the factor check in floating point, as Armada does.
        limit_milli, request_milli = limit.milli_value(), request.milli_value()
        if limit_milli < request_milli:
            raise InvalidArgument(
                f"container {name} defines {shown(resource)} with limits smaller than requests"
            )
        factor = factors.get(resource, 1.0)
        if float(limit_milli) > factor * float(request_milli):
            raise InvalidArgument(
                f"container {name} defines {shown(resource)} with limits great than "
                f"{factor:.2f}*requests"
            )


def _check_minimums(name: str, requests: ResourceList, config: SubmissionConfig) -> None:
    for resource, minimum in config.min_job_resources.items():
        request = requests.get(resource)
        if request is not None and request.value() < minimum.value():
            raise InvalidArgument(
                f"container {go_quote(name)} {shown(resource)} requests ({shown(request)}) "
                f"below server minimum ({shown(minimum)})"
            )


def _check_init_cpu(_item: JobSubmitItem, spec: KubeObject, config: SubmissionConfig) -> None:
    # Whole cores in init containers trip the static CPU manager (kubernetes#112228).
    if not config.assert_init_containers_request_fractional_cpu:
        return
    for container in init_containers(spec):
        for kind in _KINDS:
            cpu = resource_list(container, kind).get("cpu")
            if cpu is not None and not cpu.is_zero() and cpu.milli_value() % 1000 == 0:
                raise InvalidArgument(
                    f"Init container {shown(container_name(container))} contains invalid cpu "
                    f"value {shown(cpu)}.  All init containers must set requests/limits to "
                    "fractional cpu e.g. 900m"
                )


def _check_priority_class(_item: JobSubmitItem, spec: KubeObject, config: SubmissionConfig) -> None:
    name = spec.get("priorityClassName") or ""
    if name and name not in config.allowed_priority_class_names:
        raise InvalidArgument(f"priority class {shown(name)} is not supported")


def _check_grace_period(_item: JobSubmitItem, spec: KubeObject, config: SubmissionConfig) -> None:
    seconds = spec.get("terminationGracePeriodSeconds")
    if not seconds:
        return
    low = int(config.min_termination_grace_period.total_seconds())
    high = int(config.max_termination_grace_period.total_seconds())
    if not low <= seconds <= high:
        # Armada prints the bounds with %d on Go durations, i.e. in nanoseconds.
        raise InvalidArgument(
            f"terminationGracePeriodSeconds of {seconds} must be "
            f"[{duration_nanos(config.min_termination_grace_period)}, "
            f"{duration_nanos(config.max_termination_grace_period)}], or omitted"
        )


def _check_ingresses(item: JobSubmitItem, _spec: KubeObject, _config: SubmissionConfig) -> None:
    owner_of_port: dict[int, int] = {}
    for index, ingress in enumerate(item.ingress):
        if not ingress.ports:
            raise InvalidArgument(
                "ingress contains zero ports. Each ingress should have at least one port"
            )
        for port in ingress.ports:
            if port in owner_of_port:
                raise InvalidArgument(
                    f"port {port} has two ingress configurations, specified in ingress configs "
                    f"with indexes {owner_of_port[port]}, {index}. Each port should at maximum "
                    "have one ingress configuration"
                )
            owner_of_port[port] = index


def _check_ports(_item: JobSubmitItem, spec: KubeObject, _config: SubmissionConfig) -> None:
    exposed_by: dict[int, str] = {}
    for container in all_containers(spec):
        ports = container.get("ports")
        if not ports:
            continue
        name = shown(container_name(container))
        for port in ports:
            number = port.get("containerPort")
            if number in exposed_by:
                raise InvalidArgument(
                    f"container port {number} is exposed multiple times, specified in containers "
                    f"{go_quote(exposed_by[number])} and {go_quote(name)}. Should only be "
                    "exposed once"
                )
            exposed_by[number] = name


def _check_client_id(item: JobSubmitItem, _spec: KubeObject, _config: SubmissionConfig) -> None:
    check_client_id(item.client_id)


def _check_fields(item: JobSubmitItem, _spec: KubeObject, _config: SubmissionConfig) -> None:
    """Our own bounds (Armada has none): numbers, metadata and the external URI."""
    check_priority("priority", item.priority)
    check_labels("labels", item.labels)
    check_annotations("annotations", item.annotations)
    for ingress in item.ingress:
        check_annotations("ingress.annotations", ingress.annotations)
    check_length("external_job_uri", item.external_job_uri, EXTERNAL_URI_BYTES)


def _check_tolerations(_item: JobSubmitItem, spec: KubeObject, config: SubmissionConfig) -> None:
    tolerations = spec.get("tolerations")
    if not tolerations or not config.restricted_toleration_keys:
        return
    keys = {toleration.get("key", "") for toleration in tolerations}
    for restricted in config.restricted_toleration_keys:
        if restricted in keys:
            raise InvalidArgument(f"toleration {restricted} is not user settable")


def _check_price_band(item: JobSubmitItem, _spec: KubeObject, _config: SubmissionConfig) -> None:
    band = item.annotations.get(PRICE_BAND)
    if band is not None and band.upper() not in _PRICE_BANDS:
        raise InvalidArgument(f"price band {shown(band)} is not supported")


# In Armada's order; the container resources are checked between the two groups.
_ITEM_RULES: tuple[Rule, ...] = (_check_affinity,)
_LATER_RULES: tuple[Rule, ...] = (
    _check_priority_class,
    _check_grace_period,
    _check_ingresses,
    _check_ports,
    _check_client_id,
    _check_tolerations,
    _check_price_band,
    _check_fields,
)
