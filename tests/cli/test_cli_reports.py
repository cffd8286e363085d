"""armadactl get scheduling-report / queue-report / job-report against the real server,
with an executor played over gRPC so the scheduler has a round to report."""

from __future__ import annotations

import time
from collections.abc import Iterator

import grpc
import pytest
from armada_client.client import ArmadaClient
from armada_client.k8s.io.api.core.v1 import generated_pb2 as core_v1
from armada_client.k8s.io.apimachinery.pkg.api.resource import generated_pb2 as resource
from cli_support import Armadactl
from e2e_support import ServerProcess
from executor_client import Executor, lease_request, node

POLL_DEADLINE = 30.0
DEPRECATED = (
    "This flag is deprecated and will be removed in a future release. Please use `{}` instead.\n"
)


@pytest.fixture(scope="module")
def jobs(server: ServerProcess) -> Iterator[dict[str, str]]:
    """Queue `reports`: a job no 8-cpu node can take, and one an executor leased."""
    with grpc.insecure_channel(server.grpc_target) as channel:
        client = ArmadaClient(channel)
        client.create_queue(client.create_queue_request("reports", priority_factor=1.0))
        items = [_item(client, cpu) for cpu in ("64", "1")]
        reply = client.submit_jobs(queue="reports", job_set_id="js", job_request_items=items)
        big, small = (r.job_id for r in reply.job_response_items)
        Executor(channel, ()).lease(lease_request(node("node-1", cpu="8")))
        yield {"big": big, "small": small}


def _item(client: ArmadaClient, cpu: str) -> object:
    amounts = {"cpu": resource.Quantity(string=cpu), "memory": resource.Quantity(string="1Gi")}
    requirements = core_v1.ResourceRequirements(requests=amounts, limits=amounts)
    spec = core_v1.PodSpec(
        containers=[core_v1.Container(name="main", image="busybox", resources=requirements)]
    )
    return client.create_job_request_item(priority=0, namespace="default", pod_spec=spec)


def until(armadactl: Armadactl, wanted: str, *args: str) -> str:
    """Run the command until its report shows `wanted` (the round was kept)."""
    deadline = time.monotonic() + POLL_DEADLINE
    result = armadactl(*args)
    while wanted not in result.out and time.monotonic() < deadline:
        time.sleep(0.1)
        result = armadactl(*args)
    assert (result.code, result.err) == (0, ""), result
    assert wanted in result.out, result.out
    return result.out


def test_job_report_prints_the_report_verbatim(armadactl: Armadactl, jobs: dict[str, str]) -> None:
    big = jobs["big"]
    out = until(armadactl, "pod requires 64 cpu", "get", "job-report", f" {big} ")
    assert out.startswith(f"default:\n Most recent scheduling round that affected job {big}:\n")
    assert out.endswith("   1: pod requires 64 cpu, but only 7 is available\n")  # no newline added


def test_queue_report_and_its_verbosity(armadactl: Armadactl, jobs: dict[str, str]) -> None:
    out = until(armadactl, jobs["big"], "get", "queue-report", "reports")
    assert "  Number of jobs that could not be scheduled: " in out
    short = until(armadactl, "Scheduled resources:", "get", "queue-report", "reports", "-v")
    assert "Number of jobs" in short  # -v is verbosity 1: still the full form
    missing = armadactl("get", "queue-report", "nope").out
    assert missing == "default:\n Most recent scheduling round that considered queue nope: none\n"


def test_scheduling_report_and_its_deprecated_flags(
    armadactl: Armadactl, jobs: dict[str, str]
) -> None:
    out = until(armadactl, "Scheduled queues:", "get", "scheduling-report")
    assert out.startswith("default:\n Most recent scheduling round:\n  Started:")
    nested = until(armadactl, "   reports:", "get", "scheduling-report", "-vv")
    assert "Termination reason:" in nested
    by_queue = armadactl("get", "scheduling-report", "--queue", "reports")
    assert by_queue.out.startswith(
        DEPRECATED.format("queue-report")
        + "default:\n Most recent scheduling round that considered queue reports:"
    )
    by_job = armadactl("get", "scheduling-report", "--job-id", jobs["big"])
    assert by_job.out.startswith(DEPRECATED.format("job-report") + "default:\n")


def test_a_bad_job_id_is_the_raw_grpc_error(armadactl: Armadactl) -> None:
    result = armadactl("get", "job-report", "not-a-job")
    assert result.code == 1
    assert result.err.startswith("Error: rpc error: code = InvalidArgument desc = ")
    assert result.err.rstrip("\n").endswith("not-a-job is not a valid jobId")
