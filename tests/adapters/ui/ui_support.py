"""Builders for the UI tests: queues and jobs made through the service, page scraping."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping

import httpx

from armada_core.commands import JobSubmitItem, SubmitJobs
from armada_core.principal import Principal
from armada_core.queues import QueueSpec
from armada_core.service import ArmadaService

USERS = {
    "admin": {"password": "admin-pw", "groups": ["admins"]},
    "bob": {"password": "bob-pw", "groups": []},
}
ADMIN = Principal("admin", auth_method="Basic", groups=frozenset({"admins"}))
POD = {
    "containers": [
        {
            "name": "main",
            "image": "busybox",
            "resources": {
                "requests": {"cpu": "100m", "memory": "64Mi"},
                "limits": {"cpu": "100m", "memory": "64Mi"},
            },
        }
    ]
}


def basic(user: str) -> str:
    password = USERS[user]["password"]
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def client_as(app, user: str | None) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    """A client of the app in process, with the user's Basic credentials (None: none)."""
    headers = {"authorization": basic(user)} if user else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://ui.test", headers=headers
    )


async def make_queue(service: ArmadaService, name: str) -> None:
    await service.create_queue(ADMIN, QueueSpec(name=name, priority_factor=2.0))


async def submit(
    service: ArmadaService,
    queue: str,
    job_set: str,
    count: int = 1,
    labels: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
) -> list[str]:
    item = JobSubmitItem(
        namespace="default",
        pod_spec=POD,
        labels=dict(labels or {}),
        annotations=dict(annotations or {}),
    )
    return await service.submit_jobs(ADMIN, SubmitJobs(queue, job_set, (item,) * count))


def row_ids(page: httpx.Response) -> list[str]:
    """Job ids of the rows of a jobs table, in order."""
    return re.findall(r'<tr data-job-id="([^"]+)">', page.text)


def csrf_of(client: httpx.AsyncClient) -> str:
    return str(client.cookies.get("armada_csrf"))


def next_link(page: httpx.Response) -> str | None:
    match = re.search(r'<a rel="next" href="([^"]+)"', page.text)
    return match.group(1).replace("&amp;", "&") if match else None


CLUSTER = "cluster-1"


async def run_and_fail(service: ArmadaService, job_id: str, exit_code: int = 3) -> str:
    """Lease the job to `CLUSTER`, report it running, then its container exiting."""
    from armada_core.execution import (
        ContainerFailure,
        ErrorReason,
        LeaseCall,
        PodInfo,
        RunError,
        RunEvent,
        RunEventKind,
    )
    from armada_core.executors import Executor, NodeSnapshot
    from armada_core.quantity import Quantity

    total = {"cpu": Quantity.parse("8").nanos, "memory": Quantity.parse("32Gi").nanos}
    node = NodeSnapshot("node-1", total=total, labels={"kubernetes.io/hostname": "node-1"})
    answer = await service.lease_job_runs(
        ADMIN, LeaseCall(Executor(CLUSTER, "default", 0, (node,)), 100)
    )
    [run_id] = [lease.run.id for lease in answer.leases if lease.run.job_id == job_id]
    pod = PodInfo("armada-pod", "default", run_id, 0, "node-1")
    container = ContainerFailure("main", exit_code, "<b>boom</b>", "Error")
    error = RunError(
        True, ErrorReason.POD_ERROR, f"main exited {exit_code} <script>x()</script>",
        containers=(container,), category="user-error", subcategory="exit-code",
    )  # fmt: skip
    for kind, errors in ((RunEventKind.RUNNING, ()), (RunEventKind.ERRORS, (error,))):
        await service.report_events(ADMIN, [RunEvent(kind, job_id, run_id, 0, pod, errors)])
    return run_id
