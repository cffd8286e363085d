"""The gateway's header mapping over a real socket (uvicorn): deadlines end a unary call
and a live watch; Grpc-Metadata-* headers travel both ways through a real HTTP stack."""

from __future__ import annotations

import json
from typing import Any

import anyio
import httpx
import pytest
from rest_support import FollowerFeed, Stalling, queue_body, submit_body, with_operation
from starlette.applications import Starlette

from armada_adapters.rest import RestSettings, create_app
from armada_auth import Authenticator
from armada_core.service import ArmadaService

pytestmark = pytest.mark.anyio

ADMIN = {"authorization": "Bearer admin"}
GET_QUEUE = "/api.Submit/GetQueue"


@pytest.fixture
def stalling() -> Stalling:
    return Stalling()


@pytest.fixture
def app(service: ArmadaService, authenticator: Authenticator, stalling: Stalling) -> Starlette:
    """The real app, except that GetQueue (GET /v1/queue/{name}) never answers."""
    table = with_operation(GET_QUEUE, stalling)
    return create_app(service, authenticator, settings=RestSettings(), operations=table)


async def test_a_unary_call_past_its_deadline_is_a_504(live_url: str, stalling: Stalling) -> None:
    headers = {"Grpc-Timeout": "200m", "Grpc-Metadata-X-Request-Id": "u-1"}
    async with httpx.AsyncClient(base_url=live_url, headers=ADMIN, timeout=10) as client:
        started = anyio.current_time()
        with anyio.fail_after(5):
            response = await client.get("/v1/queue/q", headers=headers)
        took = anyio.current_time() - started
    assert response.status_code == 504
    message = '[x-request-id: "u-1"] context deadline exceeded'
    assert response.json() == {"error": message, "code": 4, "message": message}
    assert response.headers["x-request-id"] == "u-1"
    assert response.headers["grpc-metadata-x-request-id"] == "u-1"
    assert 0.2 <= took < 3 and stalling.cancelled


async def test_a_watch_ends_at_its_deadline_even_while_events_flow(
    live_url: str, feed: FollowerFeed
) -> None:
    headers = {"Grpc-Timeout": "500m", "Grpc-Metadata-X-Request-Id": "w-1"}
    async with httpx.AsyncClient(base_url=live_url, headers=ADMIN, timeout=10) as client:
        await client.post("/v1/queue", json=queue_body("q"))
        await client.post("/v1/job/submit", json=submit_body("q", "js"))
        started = anyio.current_time()
        with anyio.fail_after(5):
            async with anyio.create_task_group() as tasks:
                # A job every 50 ms: the deadline bounds the stream, not its idle time.
                tasks.start_soon(_submit_forever, client)
                got = await _watch(client, headers)
                tasks.cancel_scope.cancel()
        took = anyio.current_time() - started
        with anyio.fail_after(5):
            while feed.follower_count():  # the server let go of the watcher
                await anyio.sleep(0.01)
    results, last = got[:-1], got[-1]
    assert len(results) >= 4  # the replayed job and live ones
    assert all("result" in line for line in results)
    assert last == {
        "error": {
            "grpc_code": 4,
            "http_code": 504,
            "message": '[x-request-id: "w-1"] context deadline exceeded',
            "http_status": "Gateway Timeout",
        }
    }
    assert 0.5 <= took < 3


async def _watch(client: httpx.AsyncClient, headers: dict[str, str]) -> list[Any]:
    body = {"watch": True}
    async with client.stream("POST", "/v1/job-set/q/js", json=body, headers=headers) as watch:
        # Decision 11: headers at once, with the Grpc-Metadata copy of the request id.
        assert watch.status_code == 200
        assert watch.headers["grpc-metadata-x-request-id"] == "w-1"
        return [json.loads(line) async for line in watch.aiter_lines() if line]


async def _submit_forever(client: httpx.AsyncClient) -> None:
    for n in range(1, 10_000):
        await client.post("/v1/job/submit", json=submit_body("q", "js", start=n))
        await anyio.sleep(0.05)


async def test_a_malformed_timeout_is_a_400(live_url: str, stalling: Stalling) -> None:
    async with httpx.AsyncClient(base_url=live_url, headers=ADMIN, timeout=10) as client:
        for value in ("5", "5X", "123456789S"):
            response = await client.get("/v1/queue/q", headers={"Grpc-Timeout": value})
            assert response.status_code == 400, value
            assert response.json()["code"] == 3
            assert f"invalid grpc-timeout: {value!r}" in response.json()["message"]
    assert not stalling.called


async def test_grpc_metadata_authorization_over_a_socket(live_url: str) -> None:
    async with httpx.AsyncClient(base_url=live_url, timeout=10) as client:
        accepted = await client.post(
            "/v1/queue",
            json=queue_body("q"),
            headers={"Grpc-Metadata-Authorization": "Bearer admin"},
        )
        refused = await client.post(
            "/v1/queue",
            json=queue_body("q"),
            headers={"Grpc-Metadata-Authorization": "Bearer nobody"},
        )
        plain_wins = await client.post(
            "/v1/queue",
            json=queue_body("q"),
            headers={
                "Authorization": "Bearer alice",
                "Grpc-Metadata-Authorization": "Bearer admin",
            },
        )
    assert (accepted.status_code, accepted.json()) == (200, {})
    assert refused.status_code == 401
    assert plain_wins.status_code == 403
    assert "alice" in plain_wins.json()["message"]
