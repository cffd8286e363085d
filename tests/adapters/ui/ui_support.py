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
