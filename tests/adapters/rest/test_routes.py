"""Routes: generated from the annotations, exactly Armada's list; 404/405 as Go's mux."""

from __future__ import annotations

import httpx
import pytest

from armada_adapters.rest.routes import rest_routes
from armada_adapters.wire.operations import SERVICES

pytestmark = pytest.mark.anyio

# armada-api.md §2: every RPC with a REST column.
ARMADA_ROUTES = {
    ("POST", "/v1/job/submit", "/api.Submit/SubmitJobs"),
    ("POST", "/v1/job/cancel", "/api.Submit/CancelJobs"),
    ("POST", "/v1/jobset/cancel", "/api.Submit/CancelJobSet"),
    ("POST", "/v1/job/reprioritize", "/api.Submit/ReprioritizeJobs"),
    ("POST", "/v1/job/preempt", "/api.Submit/PreemptJobs"),
    ("POST", "/v1/queue", "/api.Submit/CreateQueue"),
    ("POST", "/v1/batched/create_queues", "/api.Submit/CreateQueues"),
    ("PUT", "/v1/queue/{name}", "/api.Submit/UpdateQueue"),
    ("PUT", "/v1/batched/update_queues", "/api.Submit/UpdateQueues"),
    ("DELETE", "/v1/queue/{name}", "/api.Submit/DeleteQueue"),
    ("GET", "/v1/queue/{name}", "/api.Submit/GetQueue"),
    ("GET", "/v1/batched/queues", "/api.Submit/GetQueues"),
    ("GET", "/v1/queue/{name}/info", "/api.Submit/GetQueueInfo"),
    ("POST", "/v1/retry-policy", "/api.RetryPolicyService/CreateRetryPolicy"),
    ("PUT", "/v1/retry-policy/{name}", "/api.RetryPolicyService/UpdateRetryPolicy"),
    ("DELETE", "/v1/retry-policy/{name}", "/api.RetryPolicyService/DeleteRetryPolicy"),
    ("GET", "/v1/retry-policy/{name}", "/api.RetryPolicyService/GetRetryPolicy"),
    ("GET", "/v1/retry-policies", "/api.RetryPolicyService/GetRetryPolicies"),
    ("POST", "/v1/job-set/{queue}/{id}", "/api.Event/GetJobSetEvents"),
    ("POST", "/v1/job/status", "/api.Jobs/GetJobStatus"),
    ("POST", "/v1/job/statusUsingExternalJobUri", "/api.Jobs/GetJobStatusUsingExternalJobUri"),
    ("POST", "/v1/job/details", "/api.Jobs/GetJobDetails"),
    ("POST", "/v1/job/errors", "/api.Jobs/GetJobErrors"),
    ("POST", "/v1/run/details", "/api.Jobs/GetJobRunDetails"),
    ("POST", "/v1/queues/active", "/api.Jobs/GetActiveQueues"),
    # api.Executor and api.Node: annotated in the protos; Armada registers no gateway for
    # them, we serve them (retry-reports-ops §4, brief of issue 15).
    ("PUT", "/v1/executor_settings/{name}", "/api.Executor/UpsertExecutorSettings"),
    ("DELETE", "/v1/executor_settings/{name}", "/api.Executor/DeleteExecutorSettings"),
    ("POST", "/v1/executor/preempt/{name}", "/api.Executor/PreemptOnExecutor"),
    ("POST", "/v1/executor/cancel/{name}", "/api.Executor/CancelOnExecutor"),
    ("DELETE", "/v1/executors/{name}", "/api.Executor/DeleteExecutor"),
    ("POST", "/v1/node/preempt/{name}", "/api.Node/PreemptOnNode"),
    ("POST", "/v1/node/cancel/{name}", "/api.Node/CancelOnNode"),
    # retry-reports-ops.md §3.1: SchedulerReporting.
    ("GET", "/v1/scheduling-report", "/schedulerobjects.SchedulerReporting/GetSchedulingReport"),
    (
        "GET",
        "/v1/queue/{queue_name}/scheduler-report",
        "/schedulerobjects.SchedulerReporting/GetQueueReport",
    ),
    (
        "GET",
        "/v1/job/{job_id}/scheduler-report",
        "/schedulerobjects.SchedulerReporting/GetJobReport",
    ),
}


def test_the_annotations_give_exactly_armadas_routes() -> None:
    routes = rest_routes(SERVICES)
    assert {(r.http_method, r.template, r.method_path) for r in routes} == ARMADA_ROUTES
    assert len(routes) == len(ARMADA_ROUTES)


def test_streams_and_bodies_come_from_the_descriptors() -> None:
    by_path = {r.method_path: r for r in rest_routes(SERVICES)}
    assert by_path["/api.Event/GetJobSetEvents"].server_streaming
    assert by_path["/api.Event/GetJobSetEvents"].path_params == ("queue", "id")
    assert by_path["/api.Submit/GetQueues"].takes_query
    assert not by_path["/api.Submit/SubmitJobs"].takes_query
    assert not by_path["/api.Submit/SubmitJobs"].server_streaming


async def test_unknown_path_is_a_plain_404(client: httpx.AsyncClient) -> None:
    for path in ("/v1/nope", "/v1/queue/a/b/c", "/v1/queue/"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.text == "Not Found"
        assert response.headers["content-type"] == "text/plain; charset=utf-8"


async def test_another_method_on_a_known_path_is_a_plain_405(client: httpx.AsyncClient) -> None:
    response = await client.delete("/v1/job/submit")
    assert response.status_code == 405
    assert response.text == "Method Not Allowed"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"


async def test_404_and_405_need_no_credentials(client: httpx.AsyncClient) -> None:
    bare = {"authorization": ""}
    assert (await client.get("/v1/nope", headers=bare)).status_code == 404
    assert (await client.get("/v1/job/submit", headers=bare)).status_code == 405
    assert (await client.post("/v1/job/submit", headers=bare)).status_code == 401


def test_the_public_api_is_deliberate() -> None:
    import armada_adapters.rest as rest

    assert rest.__all__ == ["RestSettings", "create_app"]


@pytest.mark.parametrize(
    ("path", "allow"),
    [
        ("/v1/queue/q", "DELETE, GET, HEAD, PUT"),
        ("/v1/job/submit", "POST"),
        ("/v1/batched/queues", "GET, HEAD"),
    ],
)
async def test_a_405_allows_every_method_the_path_serves(
    client: httpx.AsyncClient, path: str, allow: str
) -> None:
    response = await client.patch(path)
    assert response.status_code == 405
    assert sorted(response.headers["allow"].split(", ")) == allow.split(", ")


async def test_each_method_of_a_shared_path_reaches_its_own_rpc(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/queue/nope")).status_code == 404  # GetQueue: not found
    assert (await client.head("/v1/queue/nope")).status_code == 404  # as GET
    created = await client.post("/v1/queue", json={"name": "q1", "priorityFactor": 1})
    assert created.status_code == 200
    assert (await client.put("/v1/queue/q1", json={"name": "q1", "priorityFactor": 2})).is_success
    assert (await client.get("/v1/queue/q1")).json()["priorityFactor"] == 2
    assert (await client.delete("/v1/queue/q1")).is_success
    assert (await client.get("/v1/queue/q1")).status_code == 404


@pytest.mark.parametrize("body", [b"\r", b" \n"])
async def test_a_body_of_whitespace_only_is_a_400(client: httpx.AsyncClient, body: bytes) -> None:
    response = await client.post("/v1/queue", content=body)
    assert response.status_code == 400
    assert response.json()["code"] == 3
    assert "whitespace only" in response.json()["message"]
    assert (await client.post("/v1/queue", content=b"")).status_code == 400  # {}: no name
