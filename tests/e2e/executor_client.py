"""Armada's executor, played with the official grpcio + protobuf runtime.

Messages come from Armada's own descriptors (`proto_support.upstream_class`), never
from our code, so what the server reads is what a Go executor would send.
"""

from __future__ import annotations

import base64
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
from e2e_support import ServerProcess
from google.protobuf.message import Message

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "proto"))
from proto_support import upstream_class

LEASE = "/executorapi.ExecutorApi/LeaseJobRuns"
REPORT = "/executorapi.ExecutorApi/ReportEvents"
DEADLINE = 10.0
JOB_STATE = {"PENDING": 1, "RUNNING": 2, "SUCCEEDED": 3}


def up(full_name: str, /, **fields: Any) -> Message:
    return upstream_class(full_name)(**fields)


def basic(user: str, password: str) -> tuple[tuple[str, str], ...]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return (("authorization", f"basic {token}"),)


class MetadataAuth(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):
    """Adds `metadata` (e.g. `basic(...)`) to every call of an intercepted channel."""

    def __init__(self, metadata: tuple[tuple[str, str], ...]) -> None:
        self._metadata = metadata

    def _details(self, details: grpc.ClientCallDetails) -> grpc.ClientCallDetails:
        return details._replace(metadata=(*(details.metadata or ()), *self._metadata))  # type: ignore[attr-defined]

    def intercept_unary_unary(self, continuation, details, request):  # type: ignore[no-untyped-def]
        return continuation(self._details(details), request)

    def intercept_unary_stream(self, continuation, details, request):  # type: ignore[no-untyped-def]
        return continuation(self._details(details), request)


def basic_auth_config(
    cwd: Path,
    users: dict[str, dict[str, Any]],
    mapping: dict[str, list[str]],
    **scheduler: str,
) -> dict[str, object]:
    """A server on a SQLite file with Basic users and a scheduler fast enough for tests."""
    return {
        "storage": {"backend": "sqlite", "sqlite": {"path": str(cwd / "armada.db")}},
        "auth": {"basicAuth": {"users": users}, "permissionGroupMapping": mapping},
        "scheduler": {"schedulePeriod": "100ms", "cyclePeriod": "200ms", **scheduler},
    }


def one_server(
    tmp_path_factory: Any, name: str, config: Callable[[Path], dict[str, object]]
) -> Iterator[ServerProcess]:
    """A fixture body: a server of its own (its scheduler places queued jobs on any live
    executor, so executors of other tests would take this test's jobs)."""
    cwd: Path = tmp_path_factory.mktemp(name)
    process = ServerProcess(cwd, config(cwd), {}).wait_ready()
    try:
        yield process
    finally:
        process.stop()


def node(name: str = "node-1", cpu: str = "8", runs: dict[str, str] | None = None) -> Message:
    quantity = upstream_class("k8s.io.apimachinery.pkg.api.resource.Quantity")
    return up(
        "executorapi.NodeInfo",
        name=name,
        labels={"kubernetes.io/hostname": name},
        total_resources={"cpu": quantity(string=cpu), "memory": quantity(string="32Gi")},
        run_ids_by_state={r: JOB_STATE[s] for r, s in (runs or {}).items()},
    )


def lease_request(*nodes: Message, executor: str = "fake-cluster", max_jobs: int = 100) -> Message:
    return up(
        "executorapi.LeaseRequest",
        executor_id=executor,
        pool="default",
        nodes=list(nodes) or [node()],
        max_jobs_to_lease=max_jobs,
    )


class Executor:
    """One executor's calls on a grpcio channel (gzip on every call, as Armada's)."""

    def __init__(self, channel: grpc.Channel, metadata: tuple[tuple[str, str], ...]) -> None:
        self._metadata = metadata
        self._lease = channel.stream_stream(
            LEASE,
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=upstream_class("executorapi.LeaseStreamMessage").FromString,
        )
        self._report = channel.unary_unary(
            REPORT,
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=upstream_class("google.protobuf.Empty").FromString,
        )

    def lease(self, request: Message) -> list[Message]:
        """Send one request without half-closing; read until End, then expect the end."""
        done = threading.Event()

        def requests() -> Iterator[Message]:
            yield request
            done.wait(DEADLINE)  # the Go executor keeps its side open

        replies = self._lease(
            requests(), metadata=self._metadata, timeout=DEADLINE, compression=grpc.Compression.Gzip
        )
        try:
            messages = list(replies)
        finally:
            done.set()
        assert messages and messages[-1].WhichOneof("event") == "end", messages
        return messages[:-1]

    def report(self, *events: Message, queue: str, job_set: str) -> None:
        sequence = up(
            "armadaevents.EventSequence", queue=queue, job_set_name=job_set, events=list(events)
        )
        self._report(
            up("executorapi.EventList", events=[sequence]),
            metadata=self._metadata,
            timeout=DEADLINE,
            compression=grpc.Compression.Gzip,
        )


def leases(messages: list[Message]) -> list[Message]:
    return [m.lease for m in messages if m.WhichOneof("event") == "lease"]


def cancelled(messages: list[Message]) -> list[str]:
    return [
        r
        for m in messages
        if m.WhichOneof("event") == "cancel_runs"
        for r in m.cancel_runs.job_run_ids_to_cancel
    ]


def _resource_info(run_id: str, node_name: str = "node-1") -> Message:
    meta = up("armadaevents.ObjectMeta", name=f"armada-{run_id}-0", namespace="default")
    pod = up("armadaevents.PodInfo", node_name=node_name, pod_number=0)
    return up("armadaevents.KubernetesResourceInfo", objectMeta=meta, podInfo=pod)


def run_event(case: str, lease: Message) -> Message:
    """jobRunAssigned / jobRunRunning / jobRunSucceeded for a leased run."""
    names = {
        "jobRunAssigned": "armadaevents.JobRunAssigned",
        "jobRunRunning": "armadaevents.JobRunRunning",
        "jobRunSucceeded": "armadaevents.JobRunSucceeded",
    }
    body = up(
        names[case],
        job_id=lease.job.job_id,
        run_id=lease.job_run_id,
        resourceInfos=[_resource_info(lease.job_run_id)],
    )
    return up("armadaevents.EventSequence.Event", created={"seconds": 1}, **{case: body})


def failed_event(lease: Message, exit_code: int) -> Message:
    container = up(
        "armadaevents.ContainerError",
        objectMeta=up("armadaevents.ObjectMeta", name="main"),
        exit_code=exit_code,
        message=f"exited with {exit_code}",
        reason="Error",
    )
    error = up(
        "armadaevents.Error",
        terminal=True,
        podError=up(
            "armadaevents.PodError",
            message=f"container main failed with exit code {exit_code}",
            node_name="node-1",
            containerErrors=[container],
        ),
    )
    errors = up(
        "armadaevents.JobRunErrors",
        errors=[error],
        job_id=lease.job.job_id,
        run_id=lease.job_run_id,
    )
    return up("armadaevents.EventSequence.Event", created={"seconds": 1}, jobRunErrors=errors)
