"""Bytes written by the official protobuf runtime from Armada's own descriptors read the same in
our private pool (and in our betterproto2 classes), presence and unknown fields included.

The upstream classes live in a pool of their own (proto_support.upstream_pool), with the
client's proto2 Kubernetes files for their imports, so nothing here registers into protobuf's
default pool, where armada-client's modules live.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool
from google.protobuf.message import Message
from proto_support import upstream_class, upstream_pool

from armada_adapters.grpc._betterproto import armadaevents as bp_events
from armada_adapters.grpc._betterproto import executorapi as bp_executorapi
from armada_adapters.wire import pool

MIB = 1024 * 1024


def up(full_name: str, /, **fields: Any) -> Message:
    return upstream_class(full_name)(**fields)


def pod_spec() -> Message:
    """A PodSpec of the client's proto2 schema, with explicit false and zero values."""
    quantity = upstream_class("k8s.io.apimachinery.pkg.api.resource.Quantity")
    resources = up(
        "k8s.io.api.core.v1.ResourceRequirements",
        requests={"cpu": quantity(string="1"), "memory": quantity(string="1Gi")},
        limits={"cpu": quantity(string="1"), "memory": quantity(string="1Gi")},
    )
    container = up(
        "k8s.io.api.core.v1.Container",
        name="main",
        image="alpine:3.20",
        command=["sh", "-c", "exit 3"],
        resources=resources,
    )
    security = up("k8s.io.api.core.v1.PodSecurityContext", runAsUser=0, supplementalGroups=[0, 7])
    return up(
        "k8s.io.api.core.v1.PodSpec",
        containers=[container],
        restartPolicy="Never",
        automountServiceAccountToken=False,
        terminationGracePeriodSeconds=0,
        securityContext=security,
        nodeSelector={"kubernetes.io/hostname": "node-1"},
    )


def submit_job(annotation: str = "x") -> Message:
    meta = up(
        "armadaevents.ObjectMeta",
        namespace="default",
        annotations={"armadaproject.io/pool": "cpu", "note": annotation},
        labels={"armada_preemptible": "false"},
    )
    main = up(
        "armadaevents.KubernetesMainObject",
        pod_spec=up("armadaevents.PodSpecWithAvoidList", pod_spec=pod_spec()),
    )
    return up(
        "armadaevents.SubmitJob",
        priority=1,
        objectMeta=meta,
        mainObject=main,
        job_id="01hz0000000000000000000000",
    )


def lease_stream_message() -> Message:
    lease = up(
        "executorapi.JobRunLease",
        queue="q",
        jobset="set",
        user="alice",
        groups=["g"],
        job=submit_job(),
        job_run_id="6c1f8f2e-0000-4000-8000-000000000001",
    )
    return up("executorapi.LeaseStreamMessage", lease=lease)


def run_errors_event() -> Message:
    container_error = up(
        "armadaevents.ContainerError", exit_code=3, message="exit 3", kubernetes_reason=2
    )
    error = up(
        "armadaevents.Error",
        terminal=True,
        podError=up(
            "armadaevents.PodError",
            message="failed",
            node_name="node-1",
            containerErrors=[container_error],
            kubernetes_reason=2,  # OOM
        ),
        failure_category="resource",
        failure_subcategory="oom",
    )
    errors = up("armadaevents.JobRunErrors", errors=[error], job_id="j", run_id="r")
    return up("armadaevents.EventSequence.Event", created={"seconds": 1}, jobRunErrors=errors)


def event_list(*events: Message) -> Message:
    sequence = up(
        "armadaevents.EventSequence",
        queue="q",
        job_set_name="set",
        user_id="alice",
        groups=["g"],
        events=list(events),
    )
    return up("executorapi.EventList", events=[sequence])


def ours(message: Message) -> Message:
    """`message` serialized by the official runtime and parsed by our private pool."""
    return pool.message_class(message.DESCRIPTOR.full_name).FromString(
        message.SerializeToString(deterministic=True)
    )


def assert_same_bytes(message: Message) -> Message:
    data = message.SerializeToString(deterministic=True)
    parsed = ours(message)
    assert parsed.SerializeToString(deterministic=True) == data
    back = type(message).FromString(parsed.SerializeToString())
    assert back == message
    return parsed


def test_upstream_classes_are_not_in_the_default_pool() -> None:
    default = descriptor_pool.Default()
    assert upstream_pool() is not default and upstream_pool() is not pool.pool()
    assert upstream_class("armadaevents.SubmitJob").DESCRIPTOR.file.pool is upstream_pool()
    # the upstream pool's Kubernetes files are the client's proto2 ones
    spec = upstream_pool().FindMessageTypeByName("k8s.io.api.core.v1.PodSpec")
    file = descriptor_pb2.FileDescriptorProto()
    spec.file.CopyToProto(file)
    assert file.syntax in ("", "proto2")


def test_armada_client_still_imports_and_owns_the_default_pool() -> None:
    submit_job()  # the upstream pool and its classes exist in this process
    from armada_client.armada import submit_pb2
    from armada_client.k8s.io.api.core.v1 import generated_pb2 as core

    default = descriptor_pool.Default()
    assert default.FindMessageTypeByName("k8s.io.api.core.v1.PodSpec") is core.PodSpec.DESCRIPTOR
    assert default.FindMessageTypeByName("api.JobSubmitRequest") is (
        submit_pb2.JobSubmitRequest.DESCRIPTOR
    )
    for name in ("executorapi.LeaseRequest", "armadaevents.SubmitJob"):
        try:
            default.FindMessageTypeByName(name)
        except KeyError:
            continue
        raise AssertionError(f"{name} leaked into the default pool")
    request = submit_pb2.JobSubmitRequest(queue="q")
    assert submit_pb2.JobSubmitRequest.FromString(request.SerializeToString()) == request


def test_lease_with_a_pod_spec_round_trips_with_presence() -> None:
    parsed: Any = assert_same_bytes(lease_stream_message())
    assert parsed.WhichOneof("event") == "lease"
    job = parsed.lease.job
    assert job.objectMeta.annotations["armadaproject.io/pool"] == "cpu"
    pod = job.mainObject.pod_spec.pod_spec
    assert pod.HasField("automountServiceAccountToken")
    assert pod.automountServiceAccountToken is False
    assert pod.HasField("terminationGracePeriodSeconds")
    assert pod.securityContext.HasField("runAsUser")
    assert list(pod.securityContext.supplementalGroups) == [0, 7]
    assert not pod.HasField("hostNetwork")  # absent stays absent
    assert pod.containers[0].resources.limits["memory"].string == "1Gi"


def test_betterproto_reads_and_writes_the_same_lease() -> None:
    message = lease_stream_message()
    parsed = bp_executorapi.LeaseStreamMessage.parse(message.SerializeToString())
    assert parsed.lease is not None and parsed.lease.job is not None
    main = parsed.lease.job.main_object
    assert main is not None and main.pod_spec is not None and main.pod_spec.pod_spec is not None
    assert main.pod_spec.pod_spec.automount_service_account_token is False
    assert main.pod_spec.pod_spec.host_network is None
    assert type(message).FromString(bytes(parsed)) == message


def test_report_events_round_trip_with_errors_and_unknown_fields() -> None:
    events = event_list(run_errors_event())
    parsed: Any = assert_same_bytes(events)
    error = parsed.events[0].events[0].jobRunErrors.errors[0]
    assert error.WhichOneof("reason") == "podError"
    assert error.podError.containerErrors[0].exit_code == 3
    assert error.podError.kubernetes_reason == 2
    assert pool.pool().FindEnumTypeByName("armadaevents.KubernetesReason").values_by_number[
        2
    ].name == ("OOM")
    assert error.failure_subcategory == "oom"
    # a field a newer executor might send (number 999 of EventList) survives us
    data = events.SerializeToString(deterministic=True) + b"\xb8\x3e\x01"
    again = pool.message_class("executorapi.EventList").FromString(data)
    assert again.SerializeToString(deterministic=True) == data
    assert bp_events.EventSequence.parse(events.events[0].SerializeToString()).queue == "q"  # type: ignore[attr-defined]


def test_lease_request_with_nodes_round_trips() -> None:
    quantity = upstream_class("k8s.io.apimachinery.pkg.api.resource.Quantity")
    compute = upstream_class("executorapi.ComputeResource")
    node = up(
        "executorapi.NodeInfo",
        name="node-1",
        taints=[up("k8s.io.api.core.v1.Taint", key="gpu", value="", effect="NoSchedule")],
        labels={"kubernetes.io/hostname": "node-1"},
        total_resources={"cpu": quantity(string="8"), "memory": quantity(string="32Gi")},
        run_ids_by_state={"run-1": 3, "run-2": 0},
        non_armada_allocated_resources={-1: compute(resources={"cpu": quantity(string="100m")})},
        unschedulable=False,
        pool="cpu",
    )
    request = up(
        "executorapi.LeaseRequest",
        executor_id="ex",
        pool="cpu",
        nodes=[node],
        max_jobs_to_lease=100,
        unassigned_job_run_ids=["run-3"],
    )
    parsed: Any = assert_same_bytes(request)
    got = parsed.nodes[0]
    assert dict(got.run_ids_by_state) == {"run-1": 3, "run-2": 0}
    assert got.non_armada_allocated_resources[-1].resources["cpu"].string == "100m"
    assert got.taints[0].HasField("value")  # proto2 presence inside a proto3 message


def test_messages_over_8_mib_round_trip() -> None:
    # 300 submitted jobs of ~30 KiB each: one EventList past the executor's 8 MiB default
    jobs = [
        up("armadaevents.EventSequence.Event", submitJob=submit_job(f"{i:05d}" + "a" * 30_000))
        for i in range(300)
    ]
    events = event_list(*jobs)
    data = events.SerializeToString(deterministic=True)
    assert len(data) > 8 * MIB
    parsed: Any = assert_same_bytes(events)
    assert len(parsed.events[0].events) == 300
    last = parsed.events[0].events[-1].submitJob
    assert last.objectMeta.annotations["note"].startswith("00299")
    # betterproto2 writes fields in declaration order, so compare what it writes by meaning
    assert type(events).FromString(bytes(bp_executorapi.EventList.parse(data))) == events
