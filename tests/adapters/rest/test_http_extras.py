"""Health, CORS (armada-api.md §9.6), request ids (decision 14), mount paths."""

from __future__ import annotations

import httpx
import pytest
from rest_support import queue_body
from starlette.applications import Starlette
from starlette.routing import Mount

from armada_adapters.rest import RestSettings, create_app
from armada_auth import Authenticator
from armada_core.service import ArmadaService

pytestmark = pytest.mark.anyio

ALLOWED = "http://localhost:3000"
ADMIN = {"authorization": "Bearer admin"}
PREFLIGHT = {"origin": ALLOWED, "access-control-request-method": "POST"}


async def test_health_is_204_without_credentials(client: httpx.AsyncClient) -> None:
    response = await client.get("/health", headers={"authorization": ""})
    assert (response.status_code, response.content) == (204, b"")


async def test_an_allowed_origin_gets_cors_headers(client: httpx.AsyncClient) -> None:
    await client.post("/v1/queue", json=queue_body("q"))
    response = await client.get("/v1/queue/q", headers={"origin": ALLOWED})
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert response.headers["access-control-allow-credentials"] == "true"


async def test_other_origins_get_nothing(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/queue/q", headers={"origin": "http://evil.example"})
    assert "access-control-allow-origin" not in response.headers


async def test_a_preflight_is_answered_at_once_without_credentials(
    client: httpx.AsyncClient,
) -> None:
    response = await client.options("/v1/job/cancel", headers={**PREFLIGHT, "authorization": ""})
    assert (response.status_code, response.content) == (200, b"")
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert response.headers["access-control-allow-headers"] == "Content-Type,Accept,Authorization"
    assert response.headers["access-control-allow-methods"] == "GET,HEAD,POST,PUT,DELETE"


async def test_a_preflight_from_another_origin_falls_through(client: httpx.AsyncClient) -> None:
    headers = {**PREFLIGHT, "origin": "http://evil.example"}
    response = await client.options("/v1/job/cancel", headers=headers)
    assert response.status_code == 405
    assert "access-control-allow-origin" not in response.headers


async def test_configured_origins_replace_the_defaults(service: ArmadaService) -> None:
    app = create_app(service, None, settings=RestSettings(cors_allowed_origins=("https://ui",)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        mine = await c.options("/v1/queue", headers={**PREFLIGHT, "origin": "https://ui"})
        default = await c.options("/v1/queue", headers=PREFLIGHT)
    assert mine.headers["access-control-allow-origin"] == "https://ui"
    assert default.status_code == 405


async def test_health_and_swagger_have_no_cors(client: httpx.AsyncClient) -> None:
    for path in ("/health", "/swagger.json"):
        response = await client.get(path, headers={"origin": ALLOWED})
        assert "access-control-allow-origin" not in response.headers, path


async def test_a_request_id_is_made_when_none_is_sent(client: httpx.AsyncClient) -> None:
    first = await client.get("/health")
    second = await client.get("/health")
    assert len(first.headers["x-request-id"]) == 36
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_an_incoming_request_id_is_kept(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/queue", json={}, headers={"x-request-id": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"


async def test_an_unusable_request_id_is_replaced(client: httpx.AsyncClient) -> None:
    response = await client.get("/health", headers={"x-request-id": "x" * 500})
    assert response.headers["x-request-id"] != "x" * 500


async def test_a_gateway_path_prefixes_the_api_only(
    service: ArmadaService, authenticator: Authenticator
) -> None:
    app = create_app(service, authenticator, settings=RestSettings(gateway_path="/api/"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=ADMIN) as c:
        assert (await c.post("/api/v1/queue", json=queue_body("q"))).status_code == 200
        assert (await c.get("/v1/queue/q")).status_code == 404
        assert (await c.get("/health")).status_code == 204
        swagger = await c.get("/api/swagger.json")
    assert swagger.json()["basePath"] == "/api"


async def test_the_app_mounts_inside_another_app(
    service: ArmadaService, authenticator: Authenticator
) -> None:
    outer = Starlette(routes=[Mount("/armada", app=create_app(service, authenticator))])
    transport = httpx.ASGITransport(app=outer)
    async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=ADMIN) as c:
        assert (await c.post("/armada/v1/queue", json=queue_body("q"))).status_code == 200
        got = await c.get("/armada/v1/queue/q")
    assert got.json()["name"] == "q"


def test_settings_reject_a_relative_gateway_path() -> None:
    with pytest.raises(ValueError, match="gateway_path"):
        RestSettings(gateway_path="api")
