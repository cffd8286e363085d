"""Property: the submit check and the scheduler agree, as they share one set of fit rules.

For any known nodes (sizes, labels, taints) and any job (requests, node selector,
toleration): the check rejects the job exactly when a scheduling pass over those
nodes, empty, would not place it.
"""

from __future__ import annotations

from typing import Any

import anyio
from core_support import ADMIN, JOB_SET, QUEUE, admin_permissions, make_queue
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from armada_core.clock import ManualClock
from armada_core.commands import JobSubmitItem, SubmitJobs
from armada_core.config import ServiceConfig
from armada_core.execution import LeaseCall
from armada_core.executors import Executor, NodeSnapshot
from armada_core.jobs import JobState
from armada_core.quantity import Quantity
from armada_core.service import ArmadaService
from armada_storage.memory import MemoryStorage

CPUS = ("1", "2", "4", "8", "16")
MEMORY = ("1Gi", "4Gi", "8Gi")


@st.composite
def nodes(draw: st.DrawFn) -> tuple[NodeSnapshot, ...]:
    count = draw(st.integers(1, 3))
    found = []
    for i in range(count):
        total = {
            "cpu": Quantity.parse(draw(st.sampled_from(CPUS[:4]))).nanos,
            "memory": Quantity.parse(draw(st.sampled_from(MEMORY))).nanos,
        }
        disk = draw(st.sampled_from(["ssd", "hdd", None]))
        labels = {"kubernetes.io/hostname": f"n{i}", **({"disk": disk} if disk else {})}
        taints = (
            ({"key": "gpu", "value": "true", "effect": "NoSchedule"},)
            if draw(st.booleans())
            else ()
        )
        found.append(NodeSnapshot(f"n{i}", total=total, labels=labels, taints=taints))
    return tuple(found)


@st.composite
def pod_specs(draw: st.DrawFn) -> dict[str, Any]:
    amounts = {"cpu": draw(st.sampled_from(CPUS)), "memory": draw(st.sampled_from(MEMORY))}
    spec: dict[str, Any] = {
        "containers": [
            {
                "name": "main",
                "image": "busybox",
                "resources": {"requests": dict(amounts), "limits": dict(amounts)},
            }
        ]
    }
    disk = draw(st.sampled_from(["ssd", "hdd", None]))
    if disk:
        spec["nodeSelector"] = {"disk": disk}
    if draw(st.booleans()):
        spec["tolerations"] = [{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}]
    return spec


async def _agree(known: tuple[NodeSnapshot, ...], spec: dict[str, Any]) -> None:
    service = ArmadaService(
        MemoryStorage(),
        config=ServiceConfig(permissions=admin_permissions()),
        clock=ManualClock(),
    )
    await make_queue(service)
    executor = Executor("ex", "default", 0, known)
    await service.lease_job_runs(ADMIN, LeaseCall(executor, 0))
    item = JobSubmitItem(namespace="ns", pod_spec=spec)
    [job_id] = await service.submit_jobs(ADMIN, SubmitJobs(QUEUE, JOB_SET, (item,)))
    rejected = (await service.job_status(ADMIN, [job_id]))[job_id] is JobState.REJECTED
    answer = await service.lease_job_runs(ADMIN, LeaseCall(executor, 10))
    placed = [lease.record.job.id for lease in answer.leases] == [job_id]
    assert rejected is not placed, (known, spec)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(nodes(), pod_specs())
def test_the_check_rejects_exactly_what_no_empty_node_would_take(
    known: tuple[NodeSnapshot, ...], spec: dict[str, Any]
) -> None:
    anyio.run(_agree, known, spec)
