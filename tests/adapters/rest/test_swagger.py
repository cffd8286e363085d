"""The served Swagger document: valid, generated from the schema, and true to the wire."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate
from rest_support import queue_body, submit_body
from swagger_support import STREAMED, response_schema, strict, validator

from armada_adapters.rest.routes import rest_routes
from armada_adapters.rest.swagger import swagger_document
from armada_adapters.wire.operations import SERVICES

pytestmark = pytest.mark.anyio


@pytest.fixture
async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/api/swagger.json", headers={"authorization": ""})
    assert response.headers["content-type"] == "application/json"
    served: dict[str, Any] = response.json()
    return served


async def test_both_paths_serve_the_generated_document(
    client: httpx.AsyncClient, document: dict[str, Any]
) -> None:
    assert (await client.get("/swagger.json")).json() == document
    assert document == json.loads(json.dumps(swagger_document(rest_routes(SERVICES))))


async def test_the_document_is_valid_swagger_2(document: dict[str, Any]) -> None:
    validate(document)
    assert document["swagger"] == "2.0"


async def test_every_route_is_documented(document: dict[str, Any]) -> None:
    documented = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
    assert documented == {(r.http_method, r.template) for r in rest_routes(SERVICES)}


async def test_definitions_use_the_real_json_names_and_forms(document: dict[str, Any]) -> None:
    d = document["definitions"]
    assert "errorIfMissing" in d["api.JobSetRequest"]["properties"]
    assert "fromMessageId" in d["api.JobSetRequest"]["properties"]
    assert "MaxResourcesForPeriod" in d["api.JobUtilisationEvent"]["properties"]
    assert "useClusterIP" in d["api.IngressConfig"]["properties"]
    timestamp = d["google.protobuf.Timestamp"]
    assert set(timestamp["properties"]) == {"seconds", "nanos"}
    assert d["k8s.io.apimachinery.pkg.api.resource.Quantity"]["type"] == "string"
    state = d["api.JobStatusResponse"]["properties"]["jobStates"]["additionalProperties"]
    assert state["type"] == "integer"


async def test_oneofs_are_described_as_the_codec_writes_them(document: dict[str, Any]) -> None:
    d = document["definitions"]
    # EventMessage: one optional property per case, no wrapper.
    cases = d["api.EventMessage"]["properties"]
    assert {"submitted", "leaseReturned", "ingressInfo", "preempted"} <= set(cases)
    # Other oneofs sit in Go's wrapper object.
    wrapper = d["api.StreamingQueueMessage"]["properties"]
    assert list(wrapper) == ["Event"]
    assert set(wrapper["Event"]["properties"]) == {"queue", "end"}


async def test_a_stream_is_documented_by_its_line(document: dict[str, Any]) -> None:
    line = response_schema(document, "/v1/job-set/{queue}/{id}", "post", "200")
    assert line["properties"]["result"] == {"$ref": "#/definitions/api.EventStreamMessage"}
    assert "error" in line["properties"]


async def _scenario(client: httpx.AsyncClient) -> list[tuple[str, str, httpx.Response]]:
    """Calls of most routes, answering with most message shapes."""
    calls: list[tuple[str, str, httpx.Response]] = []

    async def call(method: str, path: str, template: str, **kw: Any) -> httpx.Response:
        response = await client.request(method, path, **kw)
        calls.append((template, method.lower(), response))
        return response

    await call("POST", "/v1/queue", "/v1/queue", json=queue_body("q", userOwners=["u"]))
    await call(
        "POST",
        "/v1/batched/create_queues",
        "/v1/batched/create_queues",
        json={"queues": [queue_body("r"), {"name": ""}]},
    )
    sub = await call("POST", "/v1/job/submit", "/v1/job/submit", json=submit_body("q", "js", 3))
    ids = [i["jobId"] for i in sub.json()["jobResponseItems"]]
    await call(
        "POST",
        "/v1/job/reprioritize",
        "/v1/job/reprioritize",
        json={"queue": "q", "jobSetId": "js", "jobIds": ids[:1], "newPriority": 2},
    )
    await call(
        "POST",
        "/v1/job/cancel",
        "/v1/job/cancel",
        json={"queue": "q", "jobSetId": "js", "jobIds": ids[1:2]},
    )
    await call(
        "POST",
        "/v1/job/preempt",
        "/v1/job/preempt",
        json={"queue": "q", "jobSetId": "js", "jobIds": ids[2:]},
    )
    await call("GET", "/v1/queue/q", "/v1/queue/{name}")
    await call("GET", "/v1/queue/q/info", "/v1/queue/{name}/info")
    await call("GET", "/v1/queue/nope", "/v1/queue/{name}")
    await call("GET", "/v1/batched/queues", "/v1/batched/queues")
    await call("POST", "/v1/job-set/q/js", "/v1/job-set/{queue}/{id}", json={})
    await call("POST", "/v1/job-set/q/x", "/v1/job-set/{queue}/{id}", json={"errorIfMissing": True})
    await call("POST", "/v1/job/status", "/v1/job/status", json={"jobIds": [*ids, "x"]})
    await call(
        "POST",
        "/v1/job/details",
        "/v1/job/details",
        json={"jobIds": ids, "expandJobSpec": True, "expandJobRun": True},
    )
    await call("POST", "/v1/job/errors", "/v1/job/errors", json={"jobIds": ids})
    await call("POST", "/v1/queues/active", "/v1/queues/active", json={})
    return calls


async def test_what_the_server_writes_fits_the_document(
    client: httpx.AsyncClient, document: dict[str, Any]
) -> None:
    definitions = strict(document)
    calls = await _scenario(client)
    for template, method, response in calls:
        status = str(response.status_code)
        schema = response_schema(document, template, method, status)
        check = validator(definitions, schema)
        bodies = _bodies(template, status, response)
        assert bodies, (template, response.status_code)
        for body in bodies:
            errors = [e.message for e in check.iter_errors(body)]
            assert errors == [], (template, status, body)
    statuses = [r.status_code for _, _, r in calls]
    assert statuses.count(200) == len(calls) - 2  # the missing queue and job set


def _bodies(template: str, status: str, response: httpx.Response) -> list[Any]:
    if template in STREAMED and status == "200":
        return [json.loads(line) for line in response.text.splitlines() if line]
    return [response.json()]
