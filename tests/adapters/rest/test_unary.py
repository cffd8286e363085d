"""Unary routes over ASGITransport: requests mapped as grpc-gateway maps them, Go JSON out."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from rest_support import error_body, queue_body, submit_body
from starlette.applications import Starlette

from armada_adapters.rest import RestSettings, create_app
from armada_adapters.wire.operations import OPERATIONS, Operation
from armada_core.service import ArmadaService

pytestmark = pytest.mark.anyio


async def test_create_then_get_a_queue(client: httpx.AsyncClient) -> None:
    created = await client.post("/v1/queue", json=queue_body("q1", userOwners=["alice"]))
    assert (created.status_code, created.json()) == (200, {})
    assert created.headers["content-type"] == "application/json"
    got = await client.get("/v1/queue/q1")
    assert got.status_code == 200
    assert got.json()["name"] == "q1"
    users = [s["name"] for p in got.json()["permissions"] for s in p["subjects"]]
    assert users == ["alice"]


async def test_zero_values_are_omitted(client: httpx.AsyncClient) -> None:
    await client.post("/v1/queue", json=queue_body("q1"))
    queue = (await client.get("/v1/queue/q1")).json()
    assert "cordoned" not in queue and "groupOwners" not in queue


async def test_path_parameters_override_body_fields(client: httpx.AsyncClient) -> None:
    await client.post("/v1/queue", json=queue_body("q1"))
    await client.post("/v1/queue", json=queue_body("other"))
    # Go's decoder matches keys case-insensitively: every spelling is overridden.
    body = {**queue_body("other", priorityFactor=3), "NAME": "other"}
    assert (await client.put("/v1/queue/q1", json=body)).status_code == 200
    assert (await client.get("/v1/queue/q1")).json()["priorityFactor"] == 3
    assert (await client.get("/v1/queue/other")).json()["priorityFactor"] == 1


async def test_keys_match_case_insensitively_and_unknown_keys_are_ignored(
    client: httpx.AsyncClient,
) -> None:
    body = {"Name": "q1", "PRIORITYFACTOR": 2, "noSuchField": [1, 2]}
    assert (await client.post("/v1/queue", json=body)).status_code == 200
    assert (await client.get("/v1/queue/q1")).json()["priorityFactor"] == 2


async def test_an_empty_body_is_an_empty_message(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/job/status", content=b"")
    assert (response.status_code, response.json()) == (200, {})
    response = await client.post("/v1/job/status", content=b"null")
    assert (response.status_code, response.json()) == (200, {})


async def test_delete_takes_its_name_from_the_path(client: httpx.AsyncClient) -> None:
    await client.post("/v1/queue", json=queue_body("q1"))
    assert (await client.delete("/v1/queue/q1")).json() == {}
    assert (await client.get("/v1/queue/q1")).status_code == 404


async def test_submit_cancel_and_status(client: httpx.AsyncClient) -> None:
    await client.post("/v1/queue", json=queue_body("q1"))
    submitted = await client.post("/v1/job/submit", json=submit_body("q1", "js", 2))
    ids = [item["jobId"] for item in submitted.json()["jobResponseItems"]]
    assert len(ids) == 2
    statuses = await client.post("/v1/job/status", json={"jobIds": ids})
    assert statuses.json() == {"jobStates": dict.fromkeys(ids, 0)}  # QUEUED, as a number
    cancelled = await client.post(
        "/v1/job/cancel", json={"queue": "q1", "jobSetId": "js", "jobIds": [ids[0]]}
    )
    assert cancelled.json() == {"cancelledIds": [ids[0]]}
    whole_set = await client.post("/v1/job/cancel", json={"queue": "q1", "jobSetId": "js"})
    assert whole_set.json() == {"cancelledIds": [""]}


async def test_legacy_queue_info(client: httpx.AsyncClient) -> None:
    await client.post("/v1/queue", json=queue_body("q1"))
    await client.post("/v1/job/submit", json=submit_body("q1", "js", 3))
    info = await client.get("/v1/queue/q1/info")
    assert info.json() == {"name": "q1", "activeJobSets": [{"name": "js", "queuedJobs": 3}]}


async def test_core_errors_get_the_gateway_body_and_status(client: httpx.AsyncClient) -> None:
    missing = await client.get("/v1/queue/nope")
    assert missing.status_code == 404
    assert missing.json() == error_body('could not find queue "nope"', 5)
    bad = await client.post("/v1/job/submit", json=submit_body("nope", ""))
    assert bad.status_code in (400, 404)
    assert bad.json()["code"] in (3, 5)


@pytest.mark.parametrize(
    "body",
    [b"{bad", b'{"name": "q", }', b"[1, 2]", b'"text"', b"42", b'{"name": NaN}', b"[" * 50_000],
)
async def test_malformed_json_is_a_400(client: httpx.AsyncClient, body: bytes) -> None:
    response = await client.post("/v1/queue", content=body)
    assert response.status_code == 400
    assert response.json() == error_body("", 3)


@pytest.mark.parametrize(
    "body",
    [
        {"name": 5},
        {"name": "q", "priorityFactor": "high"},
        {"name": "q", "userOwners": "alice"},
        {"name": "q", "resourceLimits": []},
        {"name": "q", "cordoned": "yes"},
    ],
)
async def test_wrong_types_are_a_400_naming_the_field(
    client: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    response = await client.post("/v1/queue", json=body)
    assert response.status_code == 400
    wrong = next(key for key in body if key != "name" or len(body) == 1)
    assert response.json() == error_body(wrong, 3)


async def test_error_messages_carry_the_request_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/queue/nope", headers={"x-request-id": "req-42"})
    assert response.headers["x-request-id"] == "req-42"
    assert response.json()["message"].startswith('[x-request-id: "req-42"] ')


async def test_the_principal_reaches_the_core(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/queue", json=queue_body("q1"), headers={"authorization": "Bearer alice"}
    )
    assert response.status_code == 403
    assert response.json() == error_body("alice", 7)


async def test_no_credentials_is_a_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/queue/q1", headers={"authorization": ""})
    assert response.status_code == 401
    assert response.json()["code"] == 16


async def _explode(*args: Any) -> Any:
    raise RuntimeError("secret detail")


async def test_an_unexpected_error_is_a_500_with_a_fixed_message(
    service: ArmadaService, caplog: pytest.LogCaptureFixture
) -> None:
    path = "/api.Submit/GetQueue"
    broken = {**OPERATIONS, path: Operation(*_shape(OPERATIONS[path]), _explode)}
    app: Starlette = create_app(service, None, settings=RestSettings(), operations=broken)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        with caplog.at_level(logging.ERROR):
            response = await c.get("/v1/queue/q1")
    assert response.status_code == 500
    assert response.json() == error_body("internal server error", 13)
    assert "secret" not in response.text
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is not None


def _shape(op: Operation) -> tuple[str, str, bool]:
    return op.request_type_name, op.response_type_name, op.streaming
