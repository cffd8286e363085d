"""SubmitJobs validation: every rule passes its good case and fails its bad one with
Armada's message; the first failing rule (in Armada's order) wins."""

from __future__ import annotations

from datetime import timedelta

import pytest
from submission_support import container, item, pod, rejection, submit

from armada_core.commands import IngressConfig, JobSubmitItem
from armada_core.jobs import KubeObject
from armada_core.kube_pod import KubePodSpec
from armada_core.submission import SubmissionConfig


class SizedPodSpec(KubePodSpec):
    """A pod spec whose transport knows its protobuf size (as the wire's do)."""

    __slots__ = ("_size",)

    def __init__(self, spec: KubeObject, size: int) -> None:
        super().__init__(spec)
        self._size = size

    def size(self) -> int | None:
        return self._size


# --- request-level rules ----------------------------------------------------------------


def test_a_valid_request_passes() -> None:
    assert rejection(submit()) is None


def test_queue_is_required() -> None:
    assert rejection(submit(queue="")) == "queue is a required field"


def test_job_set_id_is_required() -> None:
    assert rejection(submit(job_set_id="")) == "job set id is a required field"


@pytest.mark.parametrize(
    ("job_set_id", "message"),
    [
        ("j" * 1023, None),
        ("j" * 1024, "job set id of length 1024 must be less than max character length 1024"),
        ("é" * 512, "job set id of length 1024 must be less than max character length 1024"),
    ],
)
def test_job_set_id_is_shorter_than_1024_bytes(job_set_id: str, message: str | None) -> None:
    assert rejection(submit(job_set_id=job_set_id)) == message


def test_gangs_are_checked_before_the_job_set_id() -> None:
    bad_gang = item(annotations={"armadaproject.io/gangId": ""})
    assert (
        rejection(submit(bad_gang, job_set_id="")) == "invalid gang information: gang id is empty"
    )


# --- item rules, in order ---------------------------------------------------------------


def test_empty_namespace_takes_the_default_namespace() -> None:
    assert rejection(submit(item(namespace=""))) is None


def test_empty_namespace_is_rejected_without_a_default_namespace() -> None:
    config = SubmissionConfig(default_namespace="")
    assert rejection(submit(item(namespace="")), config) == "namespace is a required field"
    assert rejection(submit(item(namespace="ns")), config) is None


def test_pod_spec_is_required() -> None:
    missing = JobSubmitItem(namespace="ns")
    assert rejection(submit(missing)) == "Job must contain at least one PodSpec"


def test_pod_spec_and_pod_specs_are_exclusive() -> None:
    both = item(pod_specs=(pod(),))
    assert rejection(submit(both)) == (
        "PodSpec must be nil if PodSpecs is provided (i.e., these are exclusive)"
    )


def test_one_entry_in_pod_specs_is_accepted_but_not_two() -> None:
    one = JobSubmitItem(namespace="ns", pod_specs=(pod(),))
    two = JobSubmitItem(namespace="ns", pod_specs=(pod(), pod()))
    assert rejection(submit(one)) is None
    assert rejection(submit(two)) == "Jobs with multiple pods are not supported"


@pytest.mark.parametrize(
    ("size", "message"),
    [
        (65535, None),
        (
            65536,
            "Pod spec has a size of 65536 bytes which is greater than the maximum allowed "
            "size of 65535",
        ),
    ],
)
def test_pod_spec_size_given_by_the_transport(size: int, message: str | None) -> None:
    assert rejection(submit(item(SizedPodSpec(pod(), size)))) == message  # type: ignore[arg-type]


def test_pod_spec_size_is_estimated_as_compact_json_without_a_transport_size() -> None:
    config = SubmissionConfig(max_pod_spec_size_bytes=200)
    big = pod(container(args=["x" * 200]))
    message = rejection(submit(item(big)), config)
    assert message is not None
    assert message.startswith("Pod spec has a size of ")
    assert message.endswith("bytes which is greater than the maximum allowed size of 200")
    assert rejection(submit(item(pod())), config) is None


def _affinity(node_affinity: dict[str, object]) -> dict[str, object]:
    return {"nodeAffinity": node_affinity}


def _required(*expressions: dict[str, object]) -> dict[str, object]:
    return _affinity(
        {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": list(expressions)}]
            }
        }
    )


def test_preferred_node_affinity_is_not_supported() -> None:
    preferred = _affinity({"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1}]})
    assert rejection(submit(item(pod(affinity=preferred)))) == (
        "preferredDuringSchedulingIgnoredDuringExecution node affinity is not supported by Armada"
    )


def test_required_node_affinity_must_be_a_valid_selector() -> None:
    good = _required({"key": "zone", "operator": "In", "values": ["a"]})
    bad = _required({"key": "zone", "operator": "Near", "values": ["a"]})
    assert rejection(submit(item(pod(affinity=good)))) is None
    assert rejection(submit(item(pod(affinity=bad)))) == (
        "invalid RequiredDuringSchedulingIgnoredDuringExecution node affinity: "
        'nodeSelectorTerms[0].matchExpressions[0].operator: Unsupported value: "Near"'
    )


def _resources(requests: dict[str, object], limits: dict[str, object]) -> dict[str, object]:
    return {"name": "main", "resources": {"requests": requests, "limits": limits}}


@pytest.mark.parametrize(
    ("requests", "limits", "message"),
    [
        ({}, {}, "container main has no resources specified"),
        # Armada checks the requests twice (a typo), so limits alone are "no resources".
        ({}, {"cpu": "1"}, "container main has no resources specified"),
        (
            {"cpu": "1", "memory": "1Gi"},
            {"cpu": "1"},
            "container main defines different resources for requests and limits",
        ),
        (
            {"cpu": "-1"},
            {"cpu": "-1"},
            "container main defines negative resource request (-1) for resource cpu",
        ),
        (
            {"cpu": "1"},
            {"cpu": "-500m"},
            "container main defines negative resource limit (-500m) for resource cpu",
        ),
        (
            {"cpu": "1", "memory": "1Gi"},
            {"cpu": "1", "nvidia.com/gpu": "1"},
            "container main defines memory for requests but not limits",
        ),
        (
            {"cpu": "2"},
            {"cpu": "1"},
            "container main defines cpu with limits smaller than requests",
        ),
        (
            {"cpu": "1"},
            {"cpu": "1001m"},
            "container main defines cpu with limits great than 1.00*requests",
        ),
        (
            {"memory": "512Ki"},
            {"memory": "512Ki"},
            'container "main" memory requests (512Ki) below server minimum (1Mi)',
        ),
        ({"cpu": "0.2", "memory": "64Mi"}, {"cpu": "200m", "memory": "67108864"}, None),
        ({"cpu": 1, "memory": 1048576}, {"cpu": 1.0, "memory": "1Mi"}, None),
    ],
)
def test_container_resources(
    requests: dict[str, object], limits: dict[str, object], message: str | None
) -> None:
    assert rejection(submit(item(pod(_resources(requests, limits))))) == message


def test_init_container_resources_are_checked_too() -> None:
    spec = pod(container(), initContainers=[{"name": "init", "resources": {}}])
    assert rejection(submit(item(spec))) == "container init has no resources specified"


def test_oversubscription_factor_allows_limits_above_requests() -> None:
    config = SubmissionConfig(max_oversubscription_by_resource_request={"cpu": 2.0})
    within = pod(_resources({"cpu": "1"}, {"cpu": "2"}))
    beyond = pod(_resources({"cpu": "1"}, {"cpu": "2001m"}))
    assert rejection(submit(item(within)), config) is None
    assert rejection(submit(item(beyond)), config) == (
        "container main defines cpu with limits great than 2.00*requests"
    )


def test_invalid_quantities_are_invalid_arguments() -> None:
    message = rejection(submit(item(pod(_resources({"cpu": "lots"}, {"cpu": "lots"})))))
    assert message is not None
    assert "container main has an invalid requests quantity 'lots' for cpu" in message
    assert "quantities must match the regular expression" in message


@pytest.mark.parametrize(
    ("cpu", "assert_fractional", "message"),
    [
        ("900m", True, None),
        (
            "1",
            True,
            "Init container init contains invalid cpu value 1.  All init containers "
            "must set requests/limits to fractional cpu e.g. 900m",
        ),
        (
            "2000m",
            True,
            "Init container init contains invalid cpu value 2.  All init containers "
            "must set requests/limits to fractional cpu e.g. 900m",
        ),
        ("1", False, None),
    ],
)
def test_init_containers_need_fractional_cpu(
    cpu: str, assert_fractional: bool, message: str | None
) -> None:
    config = SubmissionConfig(assert_init_containers_request_fractional_cpu=assert_fractional)
    spec = pod(container(), initContainers=[container("init", cpu=cpu)])
    assert rejection(submit(item(spec)), config) == message


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", None),
        ("armada-preemptible", None),
        ("bogus", "priority class bogus is not supported"),
    ],
)
def test_priority_class_must_be_allowed(name: str, message: str | None) -> None:
    assert rejection(submit(item(pod(priorityClassName=name)))) == message


@pytest.mark.parametrize(
    ("seconds", "message"),
    [
        (0, None),
        (1, None),
        (300, None),
        (
            301,
            "terminationGracePeriodSeconds of 301 must be [1000000000, 300000000000], or omitted",
        ),
    ],
)
def test_termination_grace_period_range(seconds: int, message: str | None) -> None:
    # Armada prints the bounds as Go durations with %d: nanoseconds.
    spec = pod(terminationGracePeriodSeconds=seconds)
    assert rejection(submit(item(spec))) == message


def test_termination_grace_period_bounds_come_from_the_config() -> None:
    config = SubmissionConfig(min_termination_grace_period=timedelta(seconds=10))
    message = rejection(submit(item(pod(terminationGracePeriodSeconds=5))), config)
    assert message == (
        "terminationGracePeriodSeconds of 5 must be [10000000000, 300000000000], or omitted"
    )


def test_each_ingress_needs_a_port() -> None:
    assert rejection(submit(item(ingress=(IngressConfig(ports=()),)))) == (
        "ingress contains zero ports. Each ingress should have at least one port"
    )


def test_a_port_belongs_to_one_ingress_only() -> None:
    fine = (IngressConfig(ports=(8080,)), IngressConfig(ports=(9090,)))
    clash = (IngressConfig(ports=(8080, 9090)), IngressConfig(ports=(8080,)))
    assert rejection(submit(item(ingress=fine))) is None
    assert rejection(submit(item(ingress=clash))) == (
        "port 8080 has two ingress configurations, specified in ingress configs with indexes "
        "0, 1. Each port should at maximum have one ingress configuration"
    )


def test_container_ports_are_exposed_once_across_all_containers() -> None:
    port = [{"containerPort": 8080}]
    fine = pod(container("a", ports=port), container("b", ports=[{"containerPort": 9090}]))
    twice = pod(container("a", ports=port), initContainers=[container("b", "100m", ports=port)])
    assert rejection(submit(item(fine))) is None
    assert rejection(submit(item(twice))) == (
        'container port 8080 is exposed multiple times, specified in containers "a" and "b". '
        "Should only be exposed once"
    )


@pytest.mark.parametrize(
    ("client_id", "message"),
    [
        ("c" * 100, None),
        ("c" * 101, "client id of length 101 is greater than max allowed length of  100"),
        ("é" * 51, "client id of length 102 is greater than max allowed length of  100"),
    ],
)
def test_client_id_is_at_most_100_bytes(client_id: str, message: str | None) -> None:
    assert rejection(submit(item(client_id=client_id))) == message


def test_restricted_toleration_keys_cannot_be_set() -> None:
    config = SubmissionConfig(restricted_toleration_keys=("secret", "other"))
    allowed = pod(tolerations=[{"key": "fine", "operator": "Exists"}])
    restricted = pod(tolerations=[{"key": "fine"}, {"key": "other", "operator": "Exists"}])
    assert rejection(submit(item(allowed)), config) is None
    assert rejection(submit(item(restricted)), config) == "toleration other is not user settable"
    assert rejection(submit(item(restricted))) is None  # none are restricted by default


@pytest.mark.parametrize(
    ("band", "message"),
    [
        ("A", None),
        ("h", None),
        ("None", "price band None is not supported"),
        ("z", "price band z is not supported"),
    ],
)
def test_price_band_annotation(band: str, message: str | None) -> None:
    annotations = {"armadaproject.io/priceBand": band}
    assert rejection(submit(item(annotations=annotations))) == message


# --- ordering -------------------------------------------------------------------------------


def test_rules_run_in_armada_order_within_an_item() -> None:
    sized = SizedPodSpec(pod(priorityClassName="bogus"), 10**6)
    broken = item(sized, client_id="c" * 101)  # type: ignore[arg-type]
    assert rejection(submit(broken)).startswith("Pod spec has a size of")  # type: ignore[union-attr]
    later = item(pod(priorityClassName="bogus"), client_id="c" * 101)
    assert rejection(submit(later)) == "priority class bogus is not supported"


def test_items_are_checked_in_order() -> None:
    first = item(client_id="c" * 101)
    second = item(pod(priorityClassName="bogus"))
    assert rejection(submit(item(), first, second)) == (
        "client id of length 101 is greater than max allowed length of  100"
    )


def test_label_and_annotation_syntax_is_not_validated_only_their_lengths() -> None:
    # Armada checks neither; we keep its leniency on characters (templates such as
    # `{JobId}` rely on it) but bound lengths as Kubernetes does (armada_core.limits).
    odd = item(labels={"not a key!": "x" * 63}, annotations={"": ""})
    assert rejection(submit(odd)) is None
    too_long = item(labels={"not a key!": "x" * 64})
    assert rejection(submit(too_long)) == "labels: the value of not a key! is longer than 63 bytes"


@pytest.mark.parametrize("quantity", ["1e1000", "1e308", "-1e308", 1e308, "1.8e305"])
def test_quantities_beyond_a_double_are_refused_not_overflowing(quantity: object) -> None:
    message = rejection(submit(item(pod(container(cpu=quantity)))))
    assert message is not None
    assert message.startswith("container main has an invalid requests quantity")
    assert "out of range" in message


def test_a_quantity_within_a_double_passes_validation() -> None:
    assert rejection(submit(item(pod(container(cpu="1e300"))))) is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"namespace": "n" * 64}, "namespace"),
        ({"external_job_uri": "u" * 2049}, "external_job_uri"),
        ({"annotations": {"k" * 64: "v"}}, "annotations"),
        ({"ingress": (IngressConfig(ports=(1,), annotations={"k" * 64: ""}),)}, "ingress"),
        ({"priority": float("nan")}, "priority"),
    ],
)
def test_item_fields_beyond_their_limits_are_refused(fields: dict[str, object], field: str) -> None:
    message = rejection(submit(item(**fields)))
    assert message is not None
    assert message.startswith(field)


def test_a_megabyte_container_name_is_not_echoed_whole() -> None:
    big = "c" * 1_000_000
    spec = pod(container(name=big, cpu="-1", memory="-1"))
    message = rejection(submit(item(spec)), SubmissionConfig(max_pod_spec_size_bytes=10**7))
    assert message is not None
    assert len(message) < 300
    assert "(1000000 chars)" in message
