"""Our upb classes live beside armada-client's and read and write the same bytes."""

from __future__ import annotations

import time

from armada_client.armada import submit_pb2
from armada_client.k8s.io.api.core.v1 import generated_pb2 as core
from armada_client.k8s.io.apimachinery.pkg.api.resource import generated_pb2 as resource
from google.protobuf import descriptor_pool
from google.protobuf.message import Message

from armada_adapters.grpc._betterproto import api as bp_api
from armada_adapters.grpc._betterproto.k8s.io.api.core import v1 as bp_core
from armada_adapters.wire import pool

# Field 999 of PodSpec, varint 150: a field a newer client might send.
UNKNOWN_FIELD = b"\xb8\x3e\x96\x01"


def quantities(**values: str) -> dict[str, resource.Quantity]:
    return {name: resource.Quantity(string=value) for name, value in values.items()}


def pod_spec() -> core.PodSpec:
    resources = core.ResourceRequirements(
        requests=quantities(cpu="200m", memory="64Mi"),
        limits=quantities(cpu="200m", memory="64Mi", **{"nvidia.com/gpu": "0"}),
    )
    container = core.Container(
        name="sleep",
        image="alpine:3.20",
        command=["sh", "-c"],
        args=["sleep 10"],
        resources=resources,
        ports=[core.ContainerPort(containerPort=8080, protocol="TCP")],
        env=[core.EnvVar(name="EMPTY", value="")],
    )
    return core.PodSpec(
        containers=[container],
        restartPolicy="Never",
        terminationGracePeriodSeconds=0,
        automountServiceAccountToken=False,
        nodeSelector={"zone": "a", "blank": ""},
        securityContext=core.PodSecurityContext(supplementalGroups=[0, 1000, 2000], runAsUser=0),
        tolerations=[core.Toleration(key="gpu", operator="Exists", effect="NoSchedule")],
    )


def client_request(pod: core.PodSpec) -> submit_pb2.JobSubmitRequest:
    item = submit_pb2.JobSubmitRequestItem(
        priority=1.0,
        namespace="personal-anonymous",
        client_id="c-1",
        labels={"a": "1", "b": ""},
        annotations={"note": "x"},
        pod_spec=pod,
    )
    return submit_pb2.JobSubmitRequest(queue="q", job_set_id="set", job_request_items=[item])


def with_unknown_field(pod: core.PodSpec) -> core.PodSpec:
    return core.PodSpec.FromString(pod.SerializeToString() + UNKNOWN_FIELD)


def ours(name: str, data: bytes) -> Message:
    return pool.message_class(name).FromString(data)


def test_private_pool_is_not_the_default_pool() -> None:
    assert pool.pool() is not descriptor_pool.Default()
    ours_cls = pool.message_class("api.JobSubmitRequest")
    assert ours_cls is not submit_pb2.JobSubmitRequest
    assert ours_cls.DESCRIPTOR.file.pool is pool.pool()
    assert pool.message_class("api.JobSubmitRequest") is ours_cls  # cached
    # the client's classes still resolve through the default pool
    default = descriptor_pool.Default().FindMessageTypeByName("api.JobSubmitRequest")
    assert default is submit_pb2.JobSubmitRequest.DESCRIPTOR


def test_client_bytes_round_trip_byte_identically() -> None:
    data = client_request(pod_spec()).SerializeToString(deterministic=True)
    parsed = ours("api.JobSubmitRequest", data)
    assert parsed.SerializeToString(deterministic=True) == data
    back = submit_pb2.JobSubmitRequest.FromString(parsed.SerializeToString())
    assert back == client_request(pod_spec())


def test_explicit_false_and_zero_and_unpacked_repeated_scalars_survive() -> None:
    data = client_request(pod_spec()).SerializeToString(deterministic=True)
    item = ours("api.JobSubmitRequest", data).job_request_items[0]  # type: ignore[attr-defined]
    pod = item.pod_spec
    assert pod.HasField("automountServiceAccountToken")
    assert pod.automountServiceAccountToken is False
    assert pod.HasField("terminationGracePeriodSeconds")
    assert pod.terminationGracePeriodSeconds == 0
    assert pod.securityContext.HasField("runAsUser")
    assert list(pod.securityContext.supplementalGroups) == [0, 1000, 2000]
    assert pod.containers[0].resources.limits["memory"].string == "64Mi"
    # proto2 encodes repeated int64 unpacked: one tag (field 4, varint) per element
    groups = ours("k8s.io.api.core.v1.PodSecurityContext", b"")
    groups.supplementalGroups.extend([1, 2])  # type: ignore[attr-defined]
    assert groups.SerializeToString() == b"\x20\x01\x20\x02"
    assert groups.SerializeToString() == (
        core.PodSecurityContext(supplementalGroups=[1, 2]).SerializeToString()
    )


def test_unknown_fields_survive_a_round_trip() -> None:
    request = client_request(with_unknown_field(pod_spec()))
    data = request.SerializeToString(deterministic=True) + b"\xc0\x3e\x01"  # top-level 1000
    parsed = ours("api.JobSubmitRequest", data)
    assert parsed.SerializeToString(deterministic=True) == data


def test_betterproto_parses_client_bytes() -> None:
    request = client_request(with_unknown_field(pod_spec()))
    data = request.SerializeToString(deterministic=True)
    parsed = bp_api.JobSubmitRequest.parse(data)
    pod = parsed.job_request_items[0].pod_spec
    assert isinstance(pod, bp_core.PodSpec)
    assert pod.automount_service_account_token is False
    assert pod.termination_grace_period_seconds == 0
    assert pod.security_context is not None
    assert pod.security_context.supplemental_groups == [0, 1000, 2000]
    assert pod.security_context.run_as_user == 0
    assert pod.containers[0].resources is not None
    assert pod.containers[0].resources.requests["cpu"].string == "200m"
    # and what betterproto2 writes, the client reads back as the same message
    again = submit_pb2.JobSubmitRequest.FromString(bytes(parsed))
    assert again == request
    again_pod = again.job_request_items[0].pod_spec
    assert again_pod.HasField("automountServiceAccountToken")
    assert UNKNOWN_FIELD in again_pod.SerializeToString()


def test_parse_speed_upb_vs_betterproto() -> None:
    """Not a check: prints how long each parses a realistic PodSpec (`pytest -s` shows it)."""
    data = pod_spec().SerializeToString()
    upb_cls = pool.message_class("k8s.io.api.core.v1.PodSpec")
    rounds = 2000
    timings = {}
    for label, parse in (("upb", upb_cls.FromString), ("betterproto2", bp_core.PodSpec.parse)):
        start = time.perf_counter()
        for _ in range(rounds):
            parse(data)
        timings[label] = (time.perf_counter() - start) / rounds * 1e6
    print(
        f"\nPodSpec of {len(data)} bytes: upb {timings['upb']:.1f} us, "
        f"betterproto2 {timings['betterproto2']:.1f} us per parse"
    )


def test_generated_google_package_does_not_shadow_protobuf() -> None:
    import google.protobuf
    from google.protobuf import empty_pb2

    from armada_adapters.grpc._betterproto.google import protobuf as bp_protobuf

    assert bp_protobuf.__name__ == "armada_adapters.grpc._betterproto.google.protobuf"
    assert google.protobuf.__name__ == "google.protobuf"
    assert empty_pb2.Empty.DESCRIPTOR.file.pool is descriptor_pool.Default()
    assert bp_protobuf.Empty.__module__ != empty_pb2.Empty.__module__
