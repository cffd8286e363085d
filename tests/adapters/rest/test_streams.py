"""Server streams over ASGITransport: `{"result": ...}` lines, errors before and after."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from rest_support import lines, queue_body, submit_body

from armada_adapters.rest import RestSettings, create_app
from armada_adapters.wire.operations import OPERATIONS, Operation
from armada_core.errors import NotFound
from armada_core.service import ArmadaService

pytestmark = pytest.mark.anyio


async def test_get_queues_streams_one_line_per_queue_then_the_end_marker(
    client: httpx.AsyncClient,
) -> None:
    for name in ("b", "a", "c"):
        await client.post("/v1/queue", json=queue_body(name))
    response = await client.get("/v1/batched/queues", params={"num": "2"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.text.endswith("\n")
    got = lines(response)
    assert [line["result"]["Event"]["queue"]["name"] for line in got[:-1]] == ["a", "b"]
    assert got[-1] == {"result": {"Event": {"end": {}}}}


async def test_job_set_events_replay_as_result_lines(client: httpx.AsyncClient) -> None:
    await client.post("/v1/queue", json=queue_body("q"))
    submitted = await client.post("/v1/job/submit", json=submit_body("q", "js", 2))
    ids = [item["jobId"] for item in submitted.json()["jobResponseItems"]]
    response = await client.post("/v1/job-set/q/js", json={})
    events = [line["result"] for line in lines(response)]
    kinds = [next(iter(e["message"])) for e in events]
    assert kinds == ["submitted", "queued", "submitted", "queued"]
    assert [e["message"]["submitted"]["jobId"] for e in events[::2]] == ids
    created = events[0]["message"]["submitted"]["created"]
    assert set(created) <= {"seconds", "nanos"} and isinstance(created["seconds"], int)
    assert all(e["id"].count(":") == 3 for e in events)


async def test_resuming_from_a_message_id(client: httpx.AsyncClient) -> None:
    await client.post("/v1/queue", json=queue_body("q"))
    await client.post("/v1/job/submit", json=submit_body("q", "js", 2))
    first = lines(await client.post("/v1/job-set/q/js", json={}))
    rest = await client.post("/v1/job-set/q/js", json={"fromMessageId": first[1]["result"]["id"]})
    assert lines(rest) == first[2:]


async def test_a_refusal_before_the_first_line_is_an_http_status(
    client: httpx.AsyncClient,
) -> None:
    await client.post("/v1/queue", json=queue_body("q"))
    response = await client.post("/v1/job-set/q/nope", json={"errorIfMissing": True})
    assert response.status_code == 404
    assert not response.text.endswith("\n")
    error = response.json()["error"]
    assert list(error) == ["grpc_code", "http_code", "message", "http_status"]
    assert (error["grpc_code"], error["http_code"], error["http_status"]) == (5, 404, "Not Found")


async def test_a_bad_query_parameter_is_a_400_stream_error(client: httpx.AsyncClient) -> None:
    for num in ("abc", str(2**40), "1.5"):
        response = await client.get("/v1/batched/queues", params={"num": num})
        assert response.status_code == 400, num
        assert response.json()["error"]["grpc_code"] == 3
        assert "num" in response.json()["error"]["message"]


def _stream_of(items: list[Any], failure: Exception) -> Any:
    async def call(*args: Any) -> AsyncIterator[Any]:
        async def stream() -> AsyncIterator[Any]:
            for item in items:
                yield item
            raise failure

        return stream()

    return call


async def _get_queues_with(service: ArmadaService, call: Any) -> httpx.Response:
    path = "/api.Submit/GetQueues"
    op = OPERATIONS[path]
    table = {**OPERATIONS, path: Operation(op.request_type_name, op.response_type_name, True, call)}
    app = create_app(service, None, settings=RestSettings(), operations=table)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        return await c.get("/v1/batched/queues", headers={"x-request-id": "r1"})


async def test_a_failure_after_the_first_line_is_the_last_line(service: ArmadaService) -> None:
    queue = {"Event": {"queue": {"name": "a"}}}
    response = await _get_queues_with(service, _stream_of([queue], NotFound("gone")))
    assert response.status_code == 200
    first, last = response.text.split("\n")
    assert json.loads(first) == {"result": queue}
    assert json.loads(last) == {
        "error": {
            "grpc_code": 5,
            "http_code": 404,
            "message": '[x-request-id: "r1"] gone',
            "http_status": "Not Found",
        }
    }


async def test_an_unexpected_failure_mid_stream_is_logged_once_and_hidden(
    service: ArmadaService, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        response = await _get_queues_with(service, _stream_of([], RuntimeError("secret")))
    assert response.status_code == 200
    assert json.loads(response.text)["error"]["grpc_code"] == 13
    assert "secret" not in response.text
    assert len([r for r in caplog.records if r.levelno >= logging.ERROR]) == 1
