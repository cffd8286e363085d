"""Helpers of the executor-API core tests: snapshots, run events, event kinds."""

from __future__ import annotations

from core_support import ADMIN, JOB_SET, QUEUE

from armada_core.commands import JobSubmitItem, SubmitJobs
from armada_core.execution import (
    ContainerFailure,
    ErrorReason,
    LeaseAnswer,
    LeaseCall,
    PodInfo,
    RunError,
    RunEvent,
    RunEventKind,
)
from armada_core.executors import Executor, NodeSnapshot
from armada_core.quantity import Quantity
from armada_core.service import ArmadaService
from armada_storage.memory import MemoryStorage

EXECUTOR = "cluster-1"


def cpu_item(cpu: str = "1") -> JobSubmitItem:
    resources = {"cpu": cpu, "memory": "1Gi"}
    spec = {
        "containers": [
            {
                "name": "main",
                "image": "busybox",
                "resources": {"requests": dict(resources), "limits": dict(resources)},
            }
        ]
    }
    return JobSubmitItem(priority=1.0, namespace="ns", pod_spec=spec)


def submit_cpu(count: int = 1, cpu: str = "1") -> SubmitJobs:
    return SubmitJobs(QUEUE, JOB_SET, tuple(cpu_item(cpu) for _ in range(count)))


def node(name: str = "node-1", cpu: str = "8", runs: dict[str, str] | None = None) -> NodeSnapshot:
    total = {"cpu": Quantity.parse(cpu).nanos, "memory": Quantity.parse("32Gi").nanos}
    return NodeSnapshot(
        name, total=total, labels={"kubernetes.io/hostname": name}, run_states=runs or {}
    )


def call(*nodes: NodeSnapshot, unassigned: tuple[str, ...] = (), max_jobs: int = 100) -> LeaseCall:
    executor = Executor(EXECUTOR, "default", 0, nodes or (node(),), unassigned)
    return LeaseCall(executor, max_jobs)


async def lease(service: ArmadaService, *nodes: NodeSnapshot, **kwargs: object) -> LeaseAnswer:
    return await service.lease_job_runs(ADMIN, call(*nodes, **kwargs))  # type: ignore[arg-type]


def pod(node_name: str = "node-1") -> PodInfo:
    return PodInfo(name="armada-x-0", namespace="ns", kubernetes_id="uid-1", node_name=node_name)


def run_event(kind: RunEventKind, job_id: str, run_id: str, *errors: RunError) -> RunEvent:
    return RunEvent(kind, job_id, run_id, 0, pod(), tuple(errors))


def exit_error(code: int = 3) -> RunError:
    failure = ContainerFailure("main", code, "boom", "Error")
    return RunError(True, ErrorReason.POD_ERROR, "container main exited 3", containers=(failure,))


def returned(attempted: bool = False) -> RunError:
    return RunError(True, ErrorReason.LEASE_RETURNED, "could not start", run_attempted=attempted)


async def kinds(storage: MemoryStorage, job_id: str | None = None) -> list[str]:
    events = await storage.read_events(QUEUE, JOB_SET, None, 10_000)
    return [e.event.kind.value for e in events if job_id in (None, e.event.job_id)]
