"""The executor API of the real server, played as Armada's executor over 127.0.0.1.

The executor side speaks grpcio with messages built from Armada's own descriptors;
the user side is the official armada-client.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from armada_client.armada import event_pb2, job_pb2, submit_pb2
from armada_client.client import ArmadaClient
from armada_client.k8s.io.api.core.v1 import generated_pb2 as core_v1
from armada_client.k8s.io.apimachinery.pkg.api.resource import generated_pb2 as resource
from e2e_support import ServerProcess
from executor_client import (
    DEADLINE,
    Executor,
    MetadataAuth,
    basic,
    basic_auth_config,
    cancelled,
    failed_event,
    lease_request,
    leases,
    node,
    one_server,
    run_event,
)
from google.protobuf.message import Message

pytestmark = pytest.mark.e2e
EXECUTOR_TIMEOUT = 2.0
USERS = {
    "executor": {"password": "exec-secret", "groups": ["executors"]},
    "alice": {"password": "alice-secret", "groups": ["team"]},
}
USER_PERMISSIONS = (
    "submit_any_jobs",
    "cancel_any_jobs",
    "create_queue",
    "watch_all_events",
    "preempt_any_jobs",
)


def server_config(cwd: Path) -> dict[str, object]:
    mapping: dict[str, list[str]] = {p: ["team"] for p in USER_PERMISSIONS}
    mapping["execute_jobs"] = ["executors"]
    return basic_auth_config(cwd, USERS, mapping, executorTimeout=f"{EXECUTOR_TIMEOUT}s")


@pytest.fixture
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from one_server(tmp_path_factory, "executor-server", server_config)


@pytest.fixture
def channel(server: ServerProcess) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(server.grpc_target) as channel:
        yield channel


@pytest.fixture
def client(server: ServerProcess) -> Iterator[ArmadaClient]:
    with grpc.insecure_channel(server.grpc_target) as channel:
        intercepted = grpc.intercept_channel(channel, MetadataAuth(basic("alice", "alice-secret")))
        yield ArmadaClient(intercepted)


def new_executor(channel: grpc.Channel) -> tuple[Executor, str]:
    return Executor(channel, basic("executor", "exec-secret")), f"cluster-{uuid.uuid4().hex[:6]}"


@pytest.fixture
def queue(client: ArmadaClient) -> str:
    name = f"queue-{uuid.uuid4().hex[:8]}"
    client.create_queue(client.create_queue_request(name, priority_factor=1.0))
    return name


def submit(
    client: ArmadaClient, queue: str, job_set: str, count: int = 1, cpu: str = "1"
) -> list[str]:
    amounts = {"cpu": resource.Quantity(string=cpu), "memory": resource.Quantity(string="1Gi")}
    container = core_v1.Container(
        name="main",
        image="busybox",
        args=["true"],
        resources=core_v1.ResourceRequirements(requests=amounts, limits=amounts),
    )
    spec = core_v1.PodSpec(containers=[container])
    items = [
        client.create_job_request_item(priority=0, namespace="default", pod_spec=spec)
        for _ in range(count)
    ]
    response = client.submit_jobs(queue=queue, job_set_id=job_set, job_request_items=items)
    return [r.job_id for r in response.job_response_items]


def events(client: ArmadaClient, queue: str, job_set: str) -> list[event_pb2.EventStreamMessage]:
    request = event_pb2.JobSetRequest(queue=queue, id=job_set)
    return list(client.event_stub.GetJobSetEvents(request, timeout=DEADLINE))


def kinds(messages: list[event_pb2.EventStreamMessage]) -> list[str]:
    return [m.message.WhichOneof("events") for m in messages]


def lease_jobs(
    executor: Executor, name: str, want: int, node: Message | None = None
) -> list[Message]:
    """Lease until `want` runs came (the scheduler may run between calls)."""
    deadline = time.monotonic() + DEADLINE
    nodes = () if node is None else (node,)
    while True:
        got = leases(executor.lease(lease_request(*nodes, executor=name)))
        if len(got) >= want or time.monotonic() > deadline:
            return got


def one_leased(
    client: ArmadaClient, channel: grpc.Channel, queue: str
) -> tuple[Executor, str, str, Message]:
    """A new executor, and the lease of one job submitted for it."""
    executor, name = new_executor(channel)
    [job_id] = submit(client, queue, "set")
    [lease] = lease_jobs(executor, name, 1)
    return executor, name, job_id, lease


def test_lease_and_report_success_reach_the_client_in_order(
    client: ArmadaClient, channel: grpc.Channel, queue: str
) -> None:
    executor, name, job_id, lease = one_leased(client, channel, queue)
    assert lease.job.job_id == job_id and lease.queue == queue and lease.user == "alice"
    uuid.UUID(lease.job_run_id)
    pod = lease.job.mainObject.pod_spec.pod_spec
    assert pod.nodeSelector == {"kubernetes.io/hostname": "node-1"}
    assert lease.job.objectMeta.annotations["armadaproject.io/pool"] == "default"
    assert lease.job.objectMeta.labels["armada_preemptible"] == "false"
    for case in ("jobRunAssigned", "jobRunRunning", "jobRunSucceeded"):
        executor.report(run_event(case, lease), queue=queue, job_set="set")
    assert kinds(events(client, queue, "set")) == [
        "submitted",
        "queued",
        "leased",
        "pending",
        "running",
        "succeeded",
    ]
    state = client.get_job_status([job_id]).job_states[job_id]
    assert state == submit_pb2.JobState.Value("SUCCEEDED")
    run = client.get_job_run_details([lease.job_run_id]).job_run_details[lease.job_run_id]
    assert (run.job_id, run.cluster, run.node) == (job_id, name, "node-1")
    assert run.state == job_pb2.JobRunState.Value("RUN_STATE_SUCCEEDED")
    assert run.finished_ts.seconds > 0
    details = client.get_job_details([job_id]).job_details[job_id]
    assert details.latest_run_id == lease.job_run_id


def test_exit_code_3_fails_the_job_showing_it(
    client: ArmadaClient, channel: grpc.Channel, queue: str
) -> None:
    executor, _, job_id, lease = one_leased(client, channel, queue)
    executor.report(failed_event(lease, 3), queue=queue, job_set="set")
    last = events(client, queue, "set")[-1].message
    assert last.WhichOneof("events") == "failed"
    assert last.failed.exit_codes == {"main": 3}
    assert last.failed.container_statuses[0].exitCode == 3
    assert "exit code 3" in last.failed.reason
    assert "exit code 3" in client.get_job_errors([job_id]).job_errors[job_id]


def test_held_lost_and_unknown_runs(
    client: ArmadaClient, channel: grpc.Channel, queue: str
) -> None:
    executor, name = new_executor(channel)
    submit(client, queue, "set")
    [first] = lease_jobs(executor, name, 1)
    [again] = lease_jobs(executor, name, 1)  # the first answer was lost
    assert again.job_run_id == first.job_run_id
    held = node(
        runs={first.job_run_id: "PENDING", "6b1e0000-0000-4000-8000-000000000000": "RUNNING"}
    )
    answer = executor.lease(lease_request(held, executor=name))
    assert leases(answer) == []
    assert cancelled(answer) == ["6b1e0000-0000-4000-8000-000000000000"]


def test_cancel_of_a_running_job_reaches_the_executor(
    client: ArmadaClient, channel: grpc.Channel, queue: str
) -> None:
    executor, name, job_id, lease = one_leased(client, channel, queue)
    executor.report(run_event("jobRunRunning", lease), queue=queue, job_set="set")
    client.cancel_jobs(queue=queue, job_set_id="set", job_id=job_id)
    held = node(runs={lease.job_run_id: "RUNNING"})
    assert cancelled(executor.lease(lease_request(held, executor=name))) == [lease.job_run_id]


def test_a_one_cpu_node_never_gets_two_one_cpu_jobs(
    client: ArmadaClient, channel: grpc.Channel, queue: str
) -> None:
    executor, name = new_executor(channel)
    submit(client, queue, "set", count=2)
    small = node(name="small", cpu="1")
    [lease] = lease_jobs(executor, name, 1, node=small)
    time.sleep(0.3)  # scheduling passes run meanwhile
    holding = node(name="small", cpu="1", runs={lease.job_run_id: "RUNNING"})
    assert leases(executor.lease(lease_request(holding, executor=name))) == []


def test_silent_executor_fails_its_job_with_lease_expired(
    client: ArmadaClient, channel: grpc.Channel, queue: str
) -> None:
    executor, name = new_executor(channel)
    [job_id] = submit(client, queue, "set")
    lease_jobs(executor, name, 1)
    deadline = time.monotonic() + EXECUTOR_TIMEOUT + DEADLINE
    while time.monotonic() < deadline:
        if kinds(events(client, queue, "set"))[-2:] == ["lease_expired", "failed"]:
            break
        time.sleep(0.2)
    assert kinds(events(client, queue, "set"))[-2:] == ["lease_expired", "failed"]
    assert "lease expired" in client.get_job_errors([job_id]).job_errors[job_id]


def test_executor_rpcs_need_execute_jobs(channel: grpc.Channel) -> None:
    intruder = Executor(channel, basic("alice", "alice-secret"))
    with pytest.raises(grpc.RpcError) as denied:
        intruder.lease(lease_request())
    assert denied.value.code() is grpc.StatusCode.PERMISSION_DENIED  # type: ignore[attr-defined]
    with pytest.raises(grpc.RpcError) as denied:
        intruder.report(queue="q", job_set="s")
    assert denied.value.code() is grpc.StatusCode.PERMISSION_DENIED  # type: ignore[attr-defined]
    assert re.search("execute_jobs", denied.value.details())  # type: ignore[attr-defined]


def test_a_gzip_compressed_report_over_8_mib_is_accepted(
    client: ArmadaClient, channel: grpc.Channel, queue: str
) -> None:
    executor, _, _, lease = one_leased(client, channel, queue)
    event = failed_event(lease, 3)
    event.jobRunErrors.errors[0].podError.debugMessage = "d" * (9 * 1024 * 1024)
    assert event.ByteSize() > 9 * 1024 * 1024
    executor.report(event, queue=queue, job_set="set")
    assert kinds(events(client, queue, "set"))[-1] == "failed"


def test_a_lease_wait_that_is_not_milliseconds_is_refused(channel: grpc.Channel) -> None:
    bad = Executor(channel, (*basic("executor", "exec-secret"), ("armada-lease-wait-ms", "1s")))
    with pytest.raises(grpc.RpcError) as refused:
        bad.lease(lease_request())
    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT  # type: ignore[attr-defined]
    assert "armada-lease-wait-ms" in refused.value.details()  # type: ignore[attr-defined]
