"""The executor API conversions: LeaseRequest and EventList in, lease messages out."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import anyio
import pytest
from wire_helpers import assert_valid

from armada_adapters.wire.convert import executor
from armada_adapters.wire.errors import WireDecodeError
from armada_core.commands import IngressConfig, KubeServiceConfig, SubmitJobs
from armada_core.config import ServiceConfig
from armada_core.execution import ErrorReason, LeaseAnswer, RunEventKind
from armada_core.permissions import OPEN_SERVER, PermissionConfig
from armada_core.principal import ANONYMOUS
from armada_core.queues import QueueSpec
from armada_core.service import ArmadaService
from armada_core.state_machine import FailureCause
from armada_storage.memory import MemoryStorage

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "core"))
from lease_support import call, cpu_item


def test_lease_request_becomes_a_snapshot() -> None:
    data = {
        "executorId": "ex",
        "pool": "cpu",
        "nodes": [
            {
                "name": "n1",
                "totalResources": {"cpu": "8", "memory": "1Gi"},
                "nonArmadaAllocatedResources": {"1000": {"resources": {"cpu": "500m"}}},
                "runIdsByState": {"r1": 2, "r2": 99},
                "labels": {"a": "b"},
                "unschedulable": True,
            }
        ],
        "unassignedJobRunIds": ["r3"],
        "maxJobsToLease": 7,
    }
    lease = executor.lease_call(data)
    assert lease.max_jobs_to_lease == 7
    [node] = lease.executor.nodes
    assert node.total == {"cpu": 8 * 10**9, "memory": 2**30 * 10**9}
    assert node.non_armada == {1000: {"cpu": 5 * 10**8}}
    assert node.run_states == {"r1": "RUNNING", "r2": "UNKNOWN"}
    assert node.unschedulable and node.labels == {"a": "b"}
    assert lease.executor.reported_run_ids == ["r1", "r2", "r3"]


@pytest.mark.parametrize(
    "data",
    [{"pool": "p"}, {"executorId": "e", "nodes": [{"totalResources": {"cpu": "lots"}}]}],
)
def test_bad_lease_requests_are_refused(data: dict[str, object]) -> None:
    with pytest.raises(WireDecodeError):
        executor.lease_call(data)


def test_the_lease_wait_header_is_read_in_milliseconds() -> None:
    assert executor.lease_wait_ns(None) == 0
    assert executor.lease_wait_ns("1500") == 1_500_000_000
    call = executor.lease_call({"executorId": "e"}, executor.lease_wait_ns("250"))
    assert call.wait_ns == 250_000_000


@pytest.mark.parametrize("value", ["", "-1", "1.5", "1s", "9" * 10, "\uff11\uff12"])
def test_a_bad_lease_wait_header_is_refused(value: str) -> None:
    with pytest.raises(WireDecodeError, match="armada-lease-wait-ms"):
        executor.lease_wait_ns(value)


def test_event_list_keeps_the_run_events_only() -> None:
    pod_error = {
        "message": "oom",
        "kubernetesReason": 2,
        "containerErrors": [
            {"objectMeta": {"name": "main"}, "exitCode": 137, "reason": "OOMKilled"}
        ],
    }
    info = {
        "objectMeta": {"name": "pod", "namespace": "ns"},
        "Info": {"podInfo": {"nodeName": "n1"}},
    }
    events = [
        {
            "created": {"seconds": 2},
            "Event": {"jobRunRunning": {"jobId": "j", "runId": "r", "resourceInfos": [info]}},
        },
        {"Event": {"resourceUtilisation": {"jobId": "j", "runId": "r"}}},
        {
            "Event": {
                "jobRunErrors": {
                    "jobId": "j",
                    "runId": "r",
                    "errors": [
                        {"terminal": True, "Reason": {"podError": pod_error}},
                        {"Reason": {"podLeaseReturned": {"message": "back", "runAttempted": True}}},
                        {"terminal": True, "Reason": {"maxRunsExceeded": {}}},
                    ],
                }
            }
        },
    ]
    running, errors = executor.run_events({"events": [{"queue": "q", "events": events}]})
    assert (running.kind, running.created_ns, running.pod.node_name) == (
        RunEventKind.RUNNING,
        2 * 10**9,
        "n1",
    )
    assert (running.pod.name, running.pod.namespace) == ("pod", "ns")
    oom, returned, other = errors.errors
    assert (oom.reason, oom.cause, oom.containers[0].exit_code) == (
        ErrorReason.POD_ERROR,
        FailureCause.OOM,
        137,
    )
    assert (returned.reason, returned.terminal, returned.run_attempted) == (
        ErrorReason.LEASE_RETURNED,
        False,
        True,
    )
    assert (other.reason, other.message) == (ErrorReason.OTHER, "maxRunsExceeded")


def test_lease_messages_fit_the_schema_with_services_and_ingresses() -> None:
    async def leased() -> LeaseAnswer:
        permissions = PermissionConfig.everyone_may(OPEN_SERVER)
        service = ArmadaService(MemoryStorage(), config=ServiceConfig(permissions=permissions))
        await service.create_queue(ANONYMOUS, QueueSpec(name="q", priority_factor=1.0))
        base = cpu_item()
        assert base.pod_spec is not None
        container = {**base.pod_spec["containers"][0], "ports": [{"containerPort": 8080}]}
        item = dataclasses.replace(
            base,
            pod_spec={**base.pod_spec, "containers": [container]},
            services=(KubeServiceConfig(0, (8080,)),),
            ingress=(IngressConfig(ports=(8080,)),),
        )
        await service.submit_jobs(ANONYMOUS, SubmitJobs("q", "js", (item,)))
        return await service.lease_job_runs(ANONYMOUS, call(unassigned=("gone",)))

    page = executor.LeasePage(executor.lease_messages(anyio.run(leased)))
    messages = [page.to_json(item) for item in page.items]
    assert [next(iter(m["Event"])) for m in messages] == ["cancelRuns", "lease", "end"]
    for message in messages:
        assert_valid(message, "executorapi.LeaseStreamMessage")
    job = messages[1]["Event"]["lease"]["job"]
    assert job["objectMeta"]["namespace"] == "ns"
    assert [next(iter(o["Object"])) for o in job["objects"]] == ["service", "ingress"]
