"""The official `armada-client` (grpcio) against the real server over 127.0.0.1."""

from __future__ import annotations

import time
import uuid

import grpc
import pytest
from armada_client.armada import event_pb2, submit_pb2
from armada_client.client import ArmadaClient
from armada_client.k8s.io.api.core.v1 import generated_pb2 as core_v1
from armada_client.k8s.io.apimachinery.pkg.api.resource import generated_pb2 as resource
from armada_client.typings import JobState
from e2e_support import ServerProcess

from armada_adapters.wire.pool import message_class

pytestmark = pytest.mark.e2e
DEADLINE = 10.0  # seconds; every stream read below is bounded by it


def new_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def pod_spec(cpu: str = "200m", memory: str = "64Mi") -> core_v1.PodSpec:
    amounts = {"cpu": resource.Quantity(string=cpu), "memory": resource.Quantity(string=memory)}
    container = core_v1.Container(
        name="main",
        image="busybox",
        args=["sleep", "10s"],
        resources=core_v1.ResourceRequirements(requests=amounts, limits=amounts),
    )
    return core_v1.PodSpec(containers=[container])


@pytest.fixture
def queue(client: ArmadaClient) -> str:
    name = new_name("queue")
    client.create_queue(client.create_queue_request(name, priority_factor=1.0))
    return name


def submit(
    client: ArmadaClient, queue: str, job_set: str, count: int = 1, **item: str
) -> list[str]:
    items = [
        client.create_job_request_item(
            priority=0, namespace="personal-anonymous", pod_spec=pod_spec(), **item
        )
        for _ in range(count)
    ]
    response = client.submit_jobs(queue=queue, job_set_id=job_set, job_request_items=items)
    return [r.job_id for r in response.job_response_items]


def replay(
    client: ArmadaClient, queue: str, job_set: str, after: str = ""
) -> list[event_pb2.EventStreamMessage]:
    request = event_pb2.JobSetRequest(queue=queue, id=job_set, from_message_id=after)
    return list(client.event_stub.GetJobSetEvents(request, timeout=DEADLINE))


def kinds(messages: list[event_pb2.EventStreamMessage]) -> list[tuple[str, str]]:
    out = []
    for m in messages:
        case = m.message.WhichOneof("events")
        out.append((case, getattr(m.message, case).job_id))
    return out


# ---- queues ------------------------------------------------------------------------------


def test_health(client: ArmadaClient) -> None:
    assert client.submit_health().status == 1
    assert client.event_health().status == 1


def test_queue_create_is_an_upsert_and_update_replaces(client: ArmadaClient) -> None:
    name = new_name("q")
    client.create_queue(client.create_queue_request(name, priority_factor=1.0))
    client.create_queue(client.create_queue_request(name, priority_factor=2.0))
    created = client.get_queue(name)
    assert created.priority_factor == 2.0
    # An anonymous create owns the queue as user `anonymous`; an update sets no owner.
    assert [(s.kind, s.name) for s in created.permissions[0].subjects] == [("User", "anonymous")]
    client.update_queue(client.create_queue_request(name, priority_factor=3.0))
    got = client.get_queue(name)
    assert (got.name, got.priority_factor, list(got.permissions)) == (name, 3.0, [])


def test_get_all_queues_is_sorted_and_ends_with_the_end_marker(
    client: ArmadaClient, queue: str
) -> None:
    names = [q.name for q in client.get_queues()]
    assert queue in names and names == sorted(names)
    stream = list(
        client.queue_stub.GetQueues(submit_pb2.StreamingQueueGetRequest(), timeout=DEADLINE)
    )
    assert stream[-1].WhichOneof("event") == "end"
    assert all(m.WhichOneof("event") == "queue" for m in stream[:-1])
    legacy = list(
        client.submit_stub.GetQueues(submit_pb2.StreamingQueueGetRequest(num=1), timeout=DEADLINE)
    )
    assert [m.WhichOneof("event") for m in legacy] == ["queue", "end"]


def test_batch_create_and_update_report_failures_per_item(client: ArmadaClient) -> None:
    good, bad = new_name("good"), new_name("bad")
    created = client.create_queues(
        [client.create_queue_request(good, 1.0), submit_pb2.Queue(name=bad, priority_factor=0.5)]
    )
    assert [f.queue.name for f in created.failed_queues] == [bad]
    assert created.failed_queues[0].error.startswith("rpc error: code = InvalidArgument desc = ")
    updated = client.update_queues(
        [
            client.create_queue_request(good, 2.0),
            client.create_queue_request(new_name("missing"), 1.0),
        ]
    )
    assert len(updated.failed_queues) == 1
    assert "code = NotFound" in updated.failed_queues[0].error
    assert client.get_queue(good).priority_factor == 2.0


def test_delete_is_refused_while_jobs_are_active(client: ArmadaClient, queue: str) -> None:
    submit(client, queue, "js")
    with pytest.raises(grpc.RpcError) as refused:
        client.delete_queue(queue)
    assert refused.value.code() is grpc.StatusCode.FAILED_PRECONDITION
    client.delete_queue(new_name("never-existed"))  # missing: OK


def test_legacy_get_queue_info(channel: grpc.Channel, client: ArmadaClient, queue: str) -> None:
    request_type = message_class("api.QueueInfoRequest")
    reply_type = message_class("api.QueueInfo")
    get_info = channel.unary_unary(
        "/api.Submit/GetQueueInfo",
        request_serializer=request_type.SerializeToString,
        response_deserializer=reply_type.FromString,
    )
    fresh = get_info(request_type(name=queue), timeout=DEADLINE)
    assert (fresh.name, list(fresh.active_job_sets)) == (queue, [])
    submit(client, queue, "set-a", 2)
    info = get_info(request_type(name=queue), timeout=DEADLINE)
    assert [(s.name, s.queued_jobs, s.leased_jobs) for s in info.active_job_sets] == [
        ("set-a", 2, 0)
    ]


# ---- submit ---------------------------------------------------------------------------------


def test_submit_returns_ids_and_dedups_by_client_id(client: ArmadaClient, queue: str) -> None:
    ids = submit(client, queue, "js", 3)
    assert len(set(ids)) == 3 and all(len(i) == 26 and i == i.lower() for i in ids)
    first = submit(client, queue, "js", client_id="same")
    assert submit(client, queue, "other-set", client_id="same") == first


def test_submit_validation_error_is_invalid_argument(client: ArmadaClient, queue: str) -> None:
    item = client.create_job_request_item(namespace="ns", pod_spec=pod_spec(cpu="0", memory="0"))
    item.pod_spec.containers[0].resources.Clear()
    with pytest.raises(grpc.RpcError) as invalid:
        client.submit_jobs(queue=queue, job_set_id="js", job_request_items=[item])
    assert invalid.value.code() is grpc.StatusCode.INVALID_ARGUMENT


def test_submit_to_a_missing_queue_is_not_found(client: ArmadaClient) -> None:
    with pytest.raises(grpc.RpcError) as missing:
        submit(client, new_name("missing"), "js")
    assert missing.value.code() is grpc.StatusCode.NOT_FOUND


# ---- events ---------------------------------------------------------------------------------


def test_each_job_is_submitted_then_queued(client: ArmadaClient, queue: str) -> None:
    ids = submit(client, queue, "js", 2)
    seen = kinds(replay(client, queue, "js"))
    for job_id in ids:
        assert [k for k, j in seen if j == job_id] == ["submitted", "queued"]


def test_resume_is_exclusive(client: ArmadaClient, queue: str) -> None:
    submit(client, queue, "js", 2)
    everything = replay(client, queue, "js")
    after_first = replay(client, queue, "js", after=everything[0].id)
    assert [m.id for m in after_first] == [m.id for m in everything[1:]]
    assert replay(client, queue, "js", after=everything[-1].id) == []


def test_a_live_watch_sees_a_new_job_within_a_second(client: ArmadaClient, queue: str) -> None:
    submit(client, queue, "live")
    stream = client.get_job_events_stream(queue=queue, job_set_id="live")
    try:
        assert [client.unmarshal_event_response(next(stream)).type.value for _ in range(2)] == [
            "submitted",
            "queued",
        ]
        started = time.monotonic()
        (new_id,) = submit(client, queue, "live")
        event = client.unmarshal_event_response(next(stream))
        elapsed = time.monotonic() - started
    finally:
        client.unwatch_events(stream)
    assert (event.type.value, event.message.job_id) == ("submitted", new_id)
    assert elapsed < 1.0


def test_error_if_missing_is_not_found(client: ArmadaClient, queue: str) -> None:
    request = event_pb2.JobSetRequest(queue=queue, id="nothing", watch=True, errorIfMissing=True)
    with pytest.raises(grpc.RpcError) as missing:
        next(iter(client.event_stub.GetJobSetEvents(request, timeout=DEADLINE)))
    assert missing.value.code() is grpc.StatusCode.NOT_FOUND


# ---- cancel, reprioritize, queries ------------------------------------------------------------


def test_cancel_by_id_job_set_and_filter(client: ArmadaClient, queue: str) -> None:
    a, b, c = submit(client, queue, "js", 3)
    assert list(client.cancel_jobs(queue=queue, job_set_id="js", job_id=a).cancelled_ids) == [a]
    whole = client.submit_stub.CancelJobs(submit_pb2.JobCancelRequest(queue=queue, job_set_id="js"))
    assert list(whole.cancelled_ids) == [""]
    (d,) = submit(client, queue, "other")
    client.cancel_jobset(queue, "other", [JobState.QUEUED])
    states = client.get_job_status([a, b, c, d, "unknown"]).job_states
    assert dict(states) == {a: 9, b: 9, c: 9, d: 9, "unknown": 5}
    cancelling = [
        m for m in replay(client, queue, "js") if m.message.WhichOneof("events") == "cancelled"
    ]
    assert {m.message.cancelled.requestor for m in cancelling} == {"anonymous"}


def test_reprioritize_by_ids_and_for_the_whole_job_set(client: ArmadaClient, queue: str) -> None:
    (job_id,) = submit(client, queue, "js")
    one = client.reprioritize_jobs(new_priority=2, job_ids=[job_id], job_set_id="js", queue=queue)
    assert dict(one.reprioritization_results) == {job_id: ""}
    whole = client.reprioritize_jobs(new_priority=3, job_ids=None, job_set_id="js", queue=queue)
    assert dict(whole.reprioritization_results) == {"all jobs in job set js": ""}


def test_job_status_and_details(client: ArmadaClient, queue: str) -> None:
    (job_id,) = submit(client, queue, "js")
    assert client.get_job_status([job_id]).job_states[job_id] == submit_pb2.QUEUED
    details = client.get_job_details([job_id]).job_details[job_id]
    assert (details.job_id, details.queue, details.jobset) == (job_id, queue, "js")
    assert details.state == submit_pb2.QUEUED
    assert dict(client.get_job_errors([job_id]).job_errors) == {job_id: ""}


def test_gzip_compressed_calls(server: ServerProcess) -> None:
    with grpc.insecure_channel(server.grpc_target, compression=grpc.Compression.Gzip) as channel:
        client = ArmadaClient(channel)
        name = new_name("zipped")
        client.create_queue(client.create_queue_request(name, 1.0))
        ids = submit(client, name, "js", 5)
        assert len(ids) == 5
        assert len(replay(client, name, "js")) == 10


def test_python_client_integration_flow(client: ArmadaClient, queue: str) -> None:
    """What armada-client's own `test_no_auth.py` does, minus its sleeps."""
    (job_id,) = submit(client, queue, "flow")
    assert list(
        client.cancel_jobs(queue=queue, job_set_id="flow", job_id=job_id).cancelled_ids
    ) == [job_id]
    client.cancel_jobset(queue, "flow", [JobState.RUNNING, JobState.PENDING])
    stream = client.get_job_events_stream(queue=queue, job_set_id="flow")
    try:
        first = client.unmarshal_event_response(next(stream))
    finally:
        client.unwatch_events(stream)
    assert first.type.value == "submitted"
