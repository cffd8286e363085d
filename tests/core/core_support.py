"""Shared helpers of the core tests (imported by name: `from core_support import ...`)."""

from __future__ import annotations

from collections.abc import Mapping

from armada_core.commands import JobSubmitItem, SubmitJobs
from armada_core.permissions import Permission, PermissionConfig
from armada_core.principal import Principal
from armada_core.queues import QueueSpec
from armada_core.service import ArmadaService

ADMIN = Principal("root", auth_method="Basic", groups=frozenset({"admins"}))
ALICE = Principal("alice", auth_method="Basic", groups=frozenset({"team-a"}))
BOB = Principal("bob", auth_method="Basic", groups=frozenset({"team-b"}))

QUEUE = "q"
JOB_SET = "js"


class CountingIds:
    """`IdFactory` with predictable, sortable ids: job-0001, job-0002, ..."""

    def __init__(self) -> None:
        self.count = 0

    def new_id(self) -> str:
        self.count += 1
        return f"job-{self.count:04d}"


def admin_permissions() -> PermissionConfig:
    """Every global permission is held by the `admins` group and nobody else."""
    return PermissionConfig.from_mappings(groups={p.value: ["admins"] for p in Permission})


def pod_spec(priority_class: str = "") -> dict[str, object]:
    """A pod spec that passes validation: requests equal limits."""
    resources = {"cpu": "100m", "memory": "64Mi"}
    spec: dict[str, object] = {
        "containers": [
            {
                "name": "main",
                "image": "busybox",
                "resources": {"requests": dict(resources), "limits": dict(resources)},
            }
        ]
    }
    if priority_class:
        spec["priorityClassName"] = priority_class
    return spec


def item(
    client_id: str = "",
    *,
    priority: float = 1.0,
    priority_class: str = "",
    external_job_uri: str = "",
    labels: Mapping[str, str] | None = None,
) -> JobSubmitItem:
    return JobSubmitItem(
        priority=priority,
        namespace="ns",
        client_id=client_id,
        pod_spec=pod_spec(priority_class),
        external_job_uri=external_job_uri,
        labels=dict(labels or {}),
    )


def submit(count: int = 1, *, queue: str = QUEUE, job_set: str = JOB_SET) -> SubmitJobs:
    return SubmitJobs(queue, job_set, tuple(item() for _ in range(count)))


async def make_queue(service: ArmadaService, name: str = QUEUE, **kwargs: object) -> None:
    """Create a queue as ADMIN; `kwargs` go to QueueSpec (priority factor 1 by default)."""
    spec = QueueSpec(name=name, priority_factor=1.0, **kwargs)  # type: ignore[arg-type]
    await service.create_queue(ADMIN, spec)
