"""api.Executor and api.Node over real sockets, and the submit check.

Executors are played with grpcio and Armada's own descriptors (`executor_client`); the
controls are called with grpcio and messages built from Armada's executor.proto and
node.proto (armada-client ships no stubs for them), and over plain HTTP; users submit
and watch with the official armada-client.
"""

from __future__ import annotations

import re
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
from armada_client.armada import event_pb2, submit_pb2
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
    lease_request,
    leases,
    node,
    one_server,
    up,
)
from google.protobuf.message import Message

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "proto"))
from proto_support import upstream_class

pytestmark = pytest.mark.e2e
PASSWORD = "pw"
USERS = {
    "executor": {"password": PASSWORD, "groups": ["executors"]},
    "alice": {"password": PASSWORD, "groups": ["team"]},  # no executor controls
    "operator": {"password": PASSWORD, "groups": ["team", "ops"]},
}
TEAM = ("submit_any_jobs", "create_queue", "watch_all_events")
OPS = ("update_executor_settings", "cancel_any_jobs", "preempt_any_jobs")
EXECUTOR_CONTROLS = {
    "UpsertExecutorSettings": "api.ExecutorSettingsUpsertRequest",
    "DeleteExecutorSettings": "api.ExecutorSettingsDeleteRequest",
    "DeleteExecutor": "api.ExecutorDeleteRequest",
    "CancelOnExecutor": "api.ExecutorCancelRequest",
    "PreemptOnExecutor": "api.ExecutorPreemptRequest",
}
NODE_CONTROLS = {"CancelOnNode": "api.NodeCancelRequest", "PreemptOnNode": "api.NodePreemptRequest"}


def server_config(cwd: Path) -> dict[str, object]:
    mapping: dict[str, list[str]] = {p: ["team"] for p in TEAM}
    mapping.update({p: ["ops"] for p in OPS})
    mapping["execute_jobs"] = ["executors"]
    return basic_auth_config(cwd, USERS, mapping)


@pytest.fixture
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from one_server(tmp_path_factory, "controls-server", server_config)


@pytest.fixture
def channel(server: ServerProcess) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(server.grpc_target) as channel:
        yield channel


@pytest.fixture
def http(server: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"http://127.0.0.1:{server.http_port}", timeout=DEADLINE) as c:
        yield c


@pytest.fixture
def client(channel: grpc.Channel) -> ArmadaClient:
    return ArmadaClient(grpc.intercept_channel(channel, MetadataAuth(basic("operator", PASSWORD))))


def control(channel: grpc.Channel, method: str, user: str = "operator", **fields: Any) -> None:
    """One api.Executor / api.Node call with Armada's own request message."""
    service, request = (
        ("api.Executor", EXECUTOR_CONTROLS[method])
        if method in EXECUTOR_CONTROLS
        else ("api.Node", NODE_CONTROLS[method])
    )
    call = channel.unary_unary(
        f"/{service}/{method}",
        request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=upstream_class("google.protobuf.Empty").FromString,
    )
    call(up(request, **fields), metadata=basic(user, PASSWORD), timeout=DEADLINE)


def rest_headers(user: str = "operator") -> dict[str, str]:
    return dict(basic(user, PASSWORD))


def new_queue(client: ArmadaClient) -> str:
    name = f"queue-{uuid.uuid4().hex[:8]}"
    client.create_queue(client.create_queue_request(name, priority_factor=1.0))
    return name


def submit(client: ArmadaClient, queue: str, count: int = 1, cpu: str = "1") -> list[str]:
    amounts = {"cpu": resource.Quantity(string=cpu), "memory": resource.Quantity(string="1Gi")}
    container = core_v1.Container(
        name="main",
        image="busybox",
        resources=core_v1.ResourceRequirements(requests=amounts, limits=amounts),
    )
    spec = core_v1.PodSpec(containers=[container])
    items = [
        client.create_job_request_item(priority=0, namespace="default", pod_spec=spec)
        for _ in range(count)
    ]
    response = client.submit_jobs(queue=queue, job_set_id="set", job_request_items=items)
    return [r.job_id for r in response.job_response_items]


def executor(channel: grpc.Channel) -> Executor:
    return Executor(channel, basic("executor", PASSWORD))


def lease_until(
    player: Executor, request: Message, count: int, timeout: float = DEADLINE
) -> list[Message]:
    """Lease calls until `count` leases came back in all (the scheduler runs meanwhile)."""
    got: list[Message] = []
    deadline = time.monotonic() + timeout
    while len(got) < count and time.monotonic() < deadline:
        got += leases(player.lease(request))
        if len(got) < count:
            time.sleep(0.1)
    assert len(got) == count, got
    return got


def event_kinds(client: ArmadaClient, queue: str) -> dict[str, list[str]]:
    request = event_pb2.JobSetRequest(queue=queue, id="set")
    found: dict[str, list[str]] = {}
    for message in client.event_stub.GetJobSetEvents(request, timeout=DEADLINE):
        case = message.message.WhichOneof("events")
        job_id = getattr(message.message, case).job_id
        found.setdefault(job_id, []).append(case)
    return found


def placed_on(granted: Message) -> str:
    """The node a lease pins its pod to (the node selector the server adds)."""
    return str(granted.job.mainObject.pod_spec.pod_spec.nodeSelector["kubernetes.io/hostname"])


def holding(name: str, granted: list[Message], cpu: str = "8") -> Message:
    """A node reporting these runs as running."""
    return node(name=name, cpu=cpu, runs={g.job_run_id: "RUNNING" for g in granted})


def test_cordoning_an_executor_stops_new_leases_to_it(
    client: ArmadaClient, channel: grpc.Channel, http: httpx.Client
) -> None:
    queue, player = new_queue(client), executor(channel)
    control(channel, "UpsertExecutorSettings", name="ex-a", cordoned=True, cordonReason="disks")
    [job_id] = submit(client, queue)
    for _ in range(5):  # several scheduling passes: none of them leases to ex-a
        assert leases(player.lease(lease_request(node(), executor="ex-a"))) == []
        time.sleep(0.15)
    # Another executor takes it at once; uncordoned, ex-a takes the next one (ex-b,
    # cordoned in turn, not).
    [granted] = lease_until(player, lease_request(node(), executor="ex-b"), 1)
    assert granted.job.job_id == job_id
    control(channel, "UpsertExecutorSettings", name="ex-b", cordoned=True, cordonReason="done")
    reply = http.put("/v1/executor_settings/ex-a", json={}, headers=rest_headers())
    assert (reply.status_code, reply.json()) == (200, {})
    [second] = submit(client, queue)
    [granted] = lease_until(player, lease_request(node(), executor="ex-a"), 1)
    assert granted.job.job_id == second


def test_cancel_on_executor_and_on_node_end_exactly_the_selected_jobs(
    client: ArmadaClient, channel: grpc.Channel, http: httpx.Client
) -> None:
    first, second, player = new_queue(client), new_queue(client), executor(channel)
    submit(client, first, count=3)
    submit(client, second, count=3)
    # ex-a: n1 and n2 take two jobs each; ex-b: m1 takes the last two.
    nodes_a = (node(name="n1", cpu="2"), node(name="n2", cpu="2"))
    on_a = lease_until(player, lease_request(*nodes_a, executor="ex-a"), 4)
    on_b = lease_until(player, lease_request(node(name="m1", cpu="2"), executor="ex-b"), 2)
    node_of = {g.job.job_id: placed_on(g) for g in on_a}
    queue_of = {g.job.job_id: g.queue for g in (*on_a, *on_b)}

    control(channel, "CancelOnExecutor", name="ex-a", queues=[first])
    hit_a = {j for j in node_of if queue_of[j] == first}
    on_n2 = {j for j, n in node_of.items() if n == "n2" and j not in hit_a}
    reply = http.post(
        "/v1/node/cancel/n2", json={"executor": "ex-a", "queues": [second]}, headers=rest_headers()
    )
    assert reply.status_code == 200, reply.text
    ended = hit_a | on_n2
    assert ended and ended != set(node_of)
    seen = {**event_kinds(client, first), **event_kinds(client, second)}
    for job_id in queue_of:
        assert (seen[job_id][-1] == "cancelled") is (job_id in ended), (job_id, seen[job_id])
    # ex-a learns it on its next lease call, ex-b is told nothing.
    answer = player.lease(
        lease_request(holding("n1", on_a, "2"), holding("n2", on_a, "2"), executor="ex-a")
    )
    runs = {g.job.job_id: g.job_run_id for g in on_a}
    assert sorted(cancelled(answer)) == sorted(runs[j] for j in ended)
    answer = player.lease(lease_request(holding("m1", on_b, "2"), executor="ex-b"))
    assert cancelled(answer) == []


def test_preempt_on_executor_and_on_node(
    client: ArmadaClient, channel: grpc.Channel, http: httpx.Client
) -> None:
    queue, player = new_queue(client), executor(channel)
    submit(client, queue, count=3)
    on_a = lease_until(player, lease_request(node(name="n1", cpu="2"), executor="ex-a"), 2)
    [on_b] = lease_until(player, lease_request(node(name="m1", cpu="2"), executor="ex-b"), 1)
    reply = http.post(
        "/v1/executor/preempt/ex-a", json={"pools": ["default"]}, headers=rest_headers()
    )
    assert reply.status_code == 200, reply.text
    seen = event_kinds(client, queue)
    for granted in on_a:
        assert seen[granted.job.job_id][-3:] == ["preempting", "preempted", "failed"]
    assert seen[on_b.job.job_id][-1] == "leased"
    control(channel, "PreemptOnNode", name="m1", executor="ex-b")
    assert event_kinds(client, queue)[on_b.job.job_id][-2:] == ["preempted", "failed"]


ERRORS = re.compile(r'^\[x-request-id: "[^"]*"\] ')


@pytest.mark.parametrize(
    ("method", "fields", "prefix", "permission"),
    [
        (
            "UpsertExecutorSettings",
            {"name": "ex-a", "cordoned": True, "cordonReason": "r"},
            "error updating executor settings ex-a: ",
            "update_executor_settings",
        ),
        (
            "DeleteExecutor",
            {"name": "ex-a"},
            "error deleting executor ex-a: ",
            "update_executor_settings",
        ),
        (
            "CancelOnExecutor",
            {"name": "ex-a"},
            "error cancelling jobs on executor ex-a: ",
            "cancel_any_jobs",
        ),
        (
            "PreemptOnNode",
            {"name": "n1", "executor": "ex-a"},
            "error preempting jobs on executor n1: ",
            "preempt_any_jobs",
        ),
    ],
)
def test_permission_denied_without_the_permission(
    channel: grpc.Channel,
    http: httpx.Client,
    method: str,
    fields: dict[str, Any],
    prefix: str,
    permission: str,
) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        control(channel, method, user="alice", **fields)
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    message = ERRORS.sub("", caught.value.details())  # type: ignore[attr-defined]
    assert message == f"{prefix}user alice lacks permission {permission}"
    routes = {
        "UpsertExecutorSettings": ("PUT", "/v1/executor_settings/ex-a"),
        "DeleteExecutor": ("DELETE", "/v1/executors/ex-a"),
        "CancelOnExecutor": ("POST", "/v1/executor/cancel/ex-a"),
        "PreemptOnNode": ("POST", "/v1/node/preempt/n1"),
    }
    verb, path = routes[method]
    reply = http.request(verb, path, json=fields, headers=rest_headers("alice"))
    assert reply.status_code == 403
    assert ERRORS.sub("", reply.json()["message"]) == message


def test_required_fields_are_invalid_arguments(channel: grpc.Channel, http: httpx.Client) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        control(channel, "UpsertExecutorSettings", name="ex-a", cordoned=True)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert ERRORS.sub("", caught.value.details()) == "cordon reason must be specified if cordoning"  # type: ignore[attr-defined]
    with pytest.raises(grpc.RpcError) as caught:
        control(channel, "CancelOnNode", name="n1")
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (
        "must provide non-empty executor id when determining what to cancel"
        in caught.value.details()
    )  # type: ignore[attr-defined]


def test_a_job_no_node_could_ever_run_fails_rejected(
    client: ArmadaClient, channel: grpc.Channel
) -> None:
    queue, player = new_queue(client), executor(channel)
    player.lease(lease_request(node(cpu="8"), executor="ex-a", max_jobs=0))
    [too_big] = submit(client, queue, cpu="64")
    [fits] = submit(client, queue, cpu="2")
    request = event_pb2.JobSetRequest(queue=queue, id="set")
    messages = list(client.event_stub.GetJobSetEvents(request, timeout=DEADLINE))
    mine = [
        m.message
        for m in messages
        if getattr(m.message, m.message.WhichOneof("events")).job_id == too_big
    ]
    assert [m.WhichOneof("events") for m in mine] == ["submitted", "queued", "failed"]
    failed = mine[-1].failed
    assert failed.cause == event_pb2.Rejected
    assert "requests more than any node has: cpu 64" in failed.reason
    statuses = client.get_job_status([too_big, fits]).job_states
    assert statuses[too_big] == submit_pb2.REJECTED
    assert statuses[fits] in (submit_pb2.QUEUED, submit_pb2.LEASED)
