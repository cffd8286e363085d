"""SchedulerReporting on the real server over 127.0.0.1, with the official runtime.

Users submit with the official armada-client; the executor is played with grpcio and
Armada's own descriptors, and so are the report calls (`schedulerobjects.*` from the
upstream protos). Passes run every 100ms, so each check polls the report until the
round it expects has been kept (a generous deadline, no timed assertion).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import httpx
import pytest
from armada_client.client import ArmadaClient
from armada_client.k8s.io.api.core.v1 import generated_pb2 as core_v1
from armada_client.k8s.io.apimachinery.pkg.api.resource import generated_pb2 as resource
from e2e_support import ServerProcess
from executor_client import (
    Executor,
    MetadataAuth,
    basic,
    basic_auth_config,
    lease_request,
    leases,
    node,
    one_server,
    up,
)
from google.protobuf.message import Message
from proto_support import upstream_class

pytestmark = pytest.mark.e2e
SERVICE = "/schedulerobjects.SchedulerReporting/"
USERS = {
    "executor": {"password": "exec-secret", "groups": ["executors"]},
    "alice": {"password": "alice-secret", "groups": ["team"]},
    "nobody": {"password": "nobody-secret"},  # no permission at all
}
ALICE, NOBODY = basic("alice", "alice-secret"), basic("nobody", "nobody-secret")
POLL_DEADLINE = 30.0


def server_config(cwd: Path) -> dict[str, object]:
    mapping = {p: ["team"] for p in ("submit_any_jobs", "create_queue", "watch_all_events")}
    return basic_auth_config(cwd, USERS, {**mapping, "execute_jobs": ["executors"]})


@pytest.fixture
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from one_server(tmp_path_factory, "reports-server", server_config)


@pytest.fixture
def channel(server: ServerProcess) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(server.grpc_target) as channel:
        yield channel


@pytest.fixture
def client(channel: grpc.Channel) -> ArmadaClient:
    return ArmadaClient(grpc.intercept_channel(channel, MetadataAuth(ALICE)))


class Reports:
    """The three RPCs, with messages of Armada's own descriptors."""

    def __init__(self, channel: grpc.Channel, metadata: tuple[tuple[str, str], ...]) -> None:
        self.channel, self.metadata = channel, metadata

    def call(self, method: str, reply: str, request: Message) -> str:
        stub = self.channel.unary_unary(
            SERVICE + method,
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=upstream_class(f"schedulerobjects.{reply}").FromString,
        )
        return str(stub(request, metadata=self.metadata, timeout=10).report)

    def scheduling(self, verbosity: int = 0) -> str:
        request = up("schedulerobjects.SchedulingReportRequest", verbosity=verbosity)
        return self.call("GetSchedulingReport", "SchedulingReport", request)

    def queue(self, name: str, verbosity: int = 0) -> str:
        request = up("schedulerobjects.QueueReportRequest", queue_name=name, verbosity=verbosity)
        return self.call("GetQueueReport", "QueueReport", request)

    def job(self, job_id: str) -> str:
        request = up("schedulerobjects.JobReportRequest", job_id=job_id)
        return self.call("GetJobReport", "JobReport", request)


def until(read: Callable[[], str], wanted: str) -> str:
    """Poll `read` until its text contains `wanted` (the round that shows it was kept)."""
    deadline = time.monotonic() + POLL_DEADLINE
    text = read()
    while wanted not in text and time.monotonic() < deadline:
        time.sleep(0.05)
        text = read()
    assert wanted in text, text
    return text


def make_queue(client: ArmadaClient) -> str:
    name = f"queue-{uuid.uuid4().hex[:8]}"
    client.create_queue(client.create_queue_request(name, priority_factor=1.0))
    return name


def submit(client: ArmadaClient, queue: str, *cpus: str) -> list[str]:
    items = []
    for cpu in cpus:
        amounts = {"cpu": resource.Quantity(string=cpu), "memory": resource.Quantity(string="1Gi")}
        container = core_v1.Container(
            name="main",
            image="busybox",
            resources=core_v1.ResourceRequirements(requests=amounts, limits=amounts),
        )
        spec = core_v1.PodSpec(containers=[container])
        items.append(client.create_job_request_item(priority=0, namespace="default", pod_spec=spec))
    response = client.submit_jobs(queue=queue, job_set_id="js", job_request_items=items)
    return [r.job_id for r in response.job_response_items]


def executor(channel: grpc.Channel) -> Executor:
    return Executor(channel, basic("executor", "exec-secret"))


def test_a_job_too_big_for_any_node_is_reported_with_the_resource(
    channel: grpc.Channel, client: ArmadaClient, server: ServerProcess
) -> None:
    queue = make_queue(client)
    big, _ = submit(client, queue, "64", "1")
    assert len(leases(executor(channel).lease(lease_request(node("node-1", cpu="8"))))) == 1
    reports = Reports(channel, ALICE)
    job = until(lambda: reports.job(big), "pod requires 64 cpu, but only 7 is available")
    assert job.startswith(f"default:\n Most recent scheduling round that affected job {big}:\n")
    assert (
        "  UnschedulableReason: job does not fit on any node: requests more than any node has: "
        "cpu 64\n"
    ) in job
    assert "  Number of nodes in cluster: 1\n  Excluded nodes:\n   1: pod requires 64" in job
    queue_text = reports.queue(queue)
    assert queue_text.startswith(
        f"default:\n Most recent scheduling round that considered queue {queue}:\n  Time:"
    )
    reason = "job does not fit on any node: requests more than any node has: cpu 64"
    assert f"   1: {reason} (e.g., {big})\n" in queue_text
    overview = reports.scheduling(1)
    assert overview.startswith("default:\n Most recent scheduling round:\n  Started:")
    assert "  Total capacity:" in overview and "  Termination reason:" in overview
    # REST, on the same server: the gateway's routes and `{"report": ...}`.
    http = httpx.Client(
        base_url=f"http://127.0.0.1:{server.http_port}", auth=("alice", "alice-secret")
    )
    with http:
        rest = http.get(f"/v1/job/{big}/scheduler-report")
        assert rest.status_code == 200 and "pod requires 64 cpu" in rest.json()["report"]
        rest_queue = http.get(f"/v1/queue/{queue}/scheduler-report", params={"verbosity": -1})
        assert rest_queue.json()["report"].count("\n") == 2 + 6
        assert http.get("/v1/job/nope/scheduler-report").status_code == 400


def test_a_job_behind_a_queue_above_its_share_says_so(
    channel: grpc.Channel, client: ArmadaClient
) -> None:
    first, second = make_queue(client), make_queue(client)
    _, behind = submit(client, first, "4", "4")
    assert len(leases(executor(channel).lease(lease_request(node("node-1", cpu="4"))))) == 1
    (other,) = submit(client, second, "4")
    executor(channel).lease(lease_request(node("node-1", cpu="4")))
    reports = Reports(channel, ALICE)
    text = until(lambda: reports.job(behind), "above its fair share")
    assert f"queue {first} holds 100% of the pool, above its fair share of 50%" in text
    assert "above its fair share" not in until(lambda: reports.job(other), "UnschedulableReason")


def test_reports_need_authentication_but_no_permission(channel: grpc.Channel) -> None:
    with pytest.raises(grpc.RpcError) as refused:
        Reports(channel, ()).scheduling()
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert Reports(channel, NOBODY).queue("anything") == ""  # no round yet: empty text
    with pytest.raises(grpc.RpcError) as invalid:
        Reports(channel, NOBODY).job("x" * 27)
    assert invalid.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert invalid.value.details().endswith("x" * 27 + " is not a valid jobId")
