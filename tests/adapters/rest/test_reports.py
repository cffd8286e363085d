"""SchedulerReporting over REST: the three GET routes, `{report}` or `{}`, the deprecated
query filters, the job id rule, authentication, and bodies true to the Swagger document."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest
from rest_support import ADMIN, queue_body, submit_body
from swagger_support import response_schema, strict, validator

from armada_core.execution import LeaseCall
from armada_core.executors import Executor, NodeSnapshot
from armada_core.quantity import Quantity
from armada_core.service import ArmadaService

pytestmark = pytest.mark.anyio


def node(name: str, cpu: str) -> NodeSnapshot:
    total = {"cpu": Quantity.parse(cpu).nanos, "memory": Quantity.parse("8Gi").nanos}
    return NodeSnapshot(name, total=total, labels={"kubernetes.io/hostname": name})


async def submit(client: httpx.AsyncClient, cpu: str, number: int) -> str:
    body = submit_body("q", "js", start=number)
    body["jobRequestItems"][0]["podSpec"]["containers"][0]["resources"] = {
        "requests": {"cpu": cpu, "memory": "1Gi"},
        "limits": {"cpu": cpu, "memory": "1Gi"},
    }
    response = await client.post("/v1/job/submit", json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["jobResponseItems"][0]["jobId"])


@pytest.fixture
async def jobs(client: httpx.AsyncClient, service: ArmadaService) -> dict[str, str]:
    """Queue q: a job too big for the pool's one 4-cpu node, and one it can run."""
    assert (await client.post("/v1/queue", json=queue_body("q"))).status_code == 200
    big, small = await submit(client, "16", 0), await submit(client, "1", 1)
    executor = Executor("cluster-1", "default", 0, (node("node-1", "4"),))
    await service.lease_job_runs(ADMIN, LeaseCall(executor, 10))
    return {"big": big, "small": small}


async def test_no_round_yet_is_an_empty_object(client: httpx.AsyncClient) -> None:
    for path in ("/v1/scheduling-report", "/v1/queue/q/scheduler-report"):
        response = await client.get(path)
        assert (response.status_code, response.json()) == (200, {})


async def test_job_report_names_the_resource_that_does_not_fit(
    client: httpx.AsyncClient, jobs: dict[str, str]
) -> None:
    response = await client.get(f"/v1/job/{jobs['big']}/scheduler-report")
    assert response.status_code == 200
    report = response.json()["report"]
    assert report.startswith(
        f"default:\n Most recent scheduling round that affected job {jobs['big']}:\n"
    )
    reason = "job does not fit on any node: requests more than any node has: cpu 16"
    assert f"  UnschedulableReason: {reason}\n" in report
    assert "  Excluded nodes:\n   1: pod requires 16 cpu, but only 3 is available\n" in report


async def test_queue_report_and_its_verbosity(
    client: httpx.AsyncClient, jobs: dict[str, str]
) -> None:
    full = (await client.get("/v1/queue/q/scheduler-report")).json()["report"]
    assert "  Number of jobs that could not be scheduled:" in full
    assert "  Scheduled jobs:" in full and f"[{jobs['small']}]" in full
    short = (await client.get("/v1/queue/q/scheduler-report?verbosity=-1")).json()["report"]
    assert len(short.splitlines()) == 2 + 6  # pool, heading, the six resource lines
    missing = (await client.get("/v1/queue/other/scheduler-report")).json()["report"]
    assert missing == "default:\n Most recent scheduling round that considered queue other: none\n"


async def test_scheduling_report_and_its_deprecated_filters(
    client: httpx.AsyncClient, jobs: dict[str, str]
) -> None:
    report = (await client.get("/v1/scheduling-report")).json()["report"]
    assert report.startswith("default:\n Most recent scheduling round:\n  Started:")
    assert "  Scheduled queues:          [q]\n" in report
    by_queue = await client.get("/v1/scheduling-report?most_recent_for_queue.queue_name=q")
    assert by_queue.json() == (await client.get("/v1/queue/q/scheduler-report")).json()
    by_job = await client.get(f"/v1/scheduling-report?mostRecentForJob.jobId={jobs['big']}")
    direct = await client.get(f"/v1/job/{jobs['big']}/scheduler-report")
    assert by_job.json() == direct.json()


async def test_a_job_id_that_is_no_ulid_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/job/not-a-ulid/scheduler-report")
    assert response.status_code == 400
    assert response.json()["message"].endswith("] not-a-ulid is not a valid jobId")
    long = await client.get("/v1/job/" + "8" * 26 + "/scheduler-report")
    assert long.status_code == 400


async def test_reports_need_authentication_only(client: httpx.AsyncClient) -> None:
    refused = await client.get("/v1/scheduling-report", headers={"authorization": ""})
    assert refused.status_code == 401
    alice = await client.get("/v1/scheduling-report", headers={"authorization": "Bearer alice"})
    assert alice.status_code == 200  # no permission needed, as in Armada


async def test_bodies_fit_the_swagger_document(
    client: httpx.AsyncClient, jobs: dict[str, str]
) -> None:
    document: dict[str, Any] = (await client.get("/swagger.json")).json()
    definitions = strict(copy.deepcopy(document))
    for template, path in (
        ("/v1/scheduling-report", "/v1/scheduling-report?verbosity=2"),
        ("/v1/queue/{queue_name}/scheduler-report", "/v1/queue/q/scheduler-report"),
        ("/v1/job/{job_id}/scheduler-report", f"/v1/job/{jobs['big']}/scheduler-report"),
        ("/v1/job/{job_id}/scheduler-report", "/v1/job/x/scheduler-report"),
    ):
        response = await client.get(path)
        schema = response_schema(document, template, "get", str(response.status_code))
        errors = [e.message for e in validator(definitions, schema).iter_errors(response.json())]
        assert errors == [], (path, response.json())
    parameters = document["paths"]["/v1/scheduling-report"]["get"]["parameters"]
    assert {"verbosity", "mostRecentForQueue.queueName"} <= {p["name"] for p in parameters}
