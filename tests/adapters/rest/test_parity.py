"""The same bad commands through REST and through gRPC give the same gRPC code.

Both adapters run the one operation table over one service; the REST side reads
the code from its JSON error body (and checks the HTTP status against the shared
gateway table), the gRPC side takes it from the call's status. Commands are sent
as `anonymous` on both sides.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from grpclib.client import UnaryStreamMethod, UnaryUnaryMethod
from grpclib.exceptions import GRPCError
from grpclib.testing import ChannelFor
from rest_support import TOKENS, TokenBackend, queue_body, submit_body

from armada_adapters.grpc.handlers import build_servables
from armada_adapters.rest import create_app
from armada_adapters.rest.routes import RestRoute, rest_routes
from armada_adapters.wire.errors import StatusCode, http_status
from armada_adapters.wire.jsoncodec import from_json
from armada_adapters.wire.operations import SERVICES
from armada_adapters.wire.pool import message_class
from armada_auth import Authenticator
from armada_auth.anonymous import AnonymousBackend
from armada_core.config import ServiceConfig
from armada_core.permissions import Permission, PermissionConfig
from armada_core.service import ArmadaService
from armada_storage.memory import MemoryStorage

pytestmark = pytest.mark.anyio

ADMIN = {"authorization": "Bearer admin"}
ROUTES = {r.method_path: r for r in rest_routes(SERVICES)}

# (gRPC method, request as Go JSON, expected code)
BAD_COMMANDS: list[tuple[str, dict[str, Any], StatusCode]] = [
    ("/api.Submit/CreateQueue", {"name": ""}, StatusCode.INVALID_ARGUMENT),
    ("/api.Submit/CreateQueue", {"name": "x", "priorityFactor": 0.5}, StatusCode.INVALID_ARGUMENT),
    ("/api.Submit/UpdateQueue", queue_body("missing"), StatusCode.NOT_FOUND),
    ("/api.Submit/GetQueue", {"name": "missing"}, StatusCode.NOT_FOUND),
    ("/api.Submit/GetQueueInfo", {"name": "missing"}, StatusCode.NOT_FOUND),
    ("/api.Submit/DeleteQueue", {"name": "q"}, StatusCode.FAILED_PRECONDITION),
    ("/api.Submit/SubmitJobs", submit_body("q", "js"), StatusCode.PERMISSION_DENIED),
    ("/api.Submit/SubmitJobs", submit_body("missing", "js"), StatusCode.NOT_FOUND),
    ("/api.Submit/CancelJobs", {"queue": "q", "jobSetId": "js"}, StatusCode.PERMISSION_DENIED),
    ("/api.Submit/CancelJobs", {"queue": "missing", "jobSetId": "js"}, StatusCode.NOT_FOUND),
    ("/api.Event/GetJobSetEvents", {"queue": "q", "id": "js"}, StatusCode.PERMISSION_DENIED),
    ("/api.Event/GetJobSetEvents", {"queue": "missing", "id": "js"}, StatusCode.NOT_FOUND),
]


@pytest.fixture
async def service() -> ArmadaService:
    groups = {p.value: ["admins"] for p in Permission}
    for everyone_may in (Permission.CREATE_QUEUE, Permission.DELETE_QUEUE):
        groups[everyone_may.value] = ["admins", "everyone"]
    config = ServiceConfig(permissions=PermissionConfig.from_mappings(groups=groups))
    return ArmadaService(MemoryStorage(), config=config)


@pytest.fixture
async def rest(service: ArmadaService) -> AsyncIterator[httpx.AsyncClient]:
    authenticator = Authenticator([TokenBackend(TOKENS), AnonymousBackend()])
    transport = httpx.ASGITransport(app=create_app(service, authenticator))
    async with httpx.AsyncClient(transport=transport, base_url="http://armada.test") as client:
        # A queue only its owner (admin) may use, with active jobs.
        await client.post("/v1/queue", json=queue_body("q", userOwners=["admin"]), headers=ADMIN)
        await client.post("/v1/job/submit", json=submit_body("q", "js"), headers=ADMIN)
        yield client


@pytest.mark.parametrize(("method", "request_json", "expected"), BAD_COMMANDS)
async def test_rest_and_grpc_agree(
    rest: httpx.AsyncClient,
    service: ArmadaService,
    method: str,
    request_json: dict[str, Any],
    expected: StatusCode,
) -> None:
    over_rest = await _rest_code(rest, ROUTES[method], request_json)
    over_grpc = await _grpc_code(service, method, request_json)
    assert (over_rest, over_grpc) == (expected, expected)


def test_the_commands_cover_several_codes() -> None:
    assert len({code for _, _, code in BAD_COMMANDS}) >= 4


async def _rest_code(client: httpx.AsyncClient, route: RestRoute, data: dict[str, Any]) -> int:
    path = route.template
    for name in route.path_params:
        path = path.replace("{" + name + "}", str(data[name]))
    body = data if route.body else None
    response = await client.request(route.http_method, path, json=body)
    error = response.json()["error"]
    code = error["grpc_code"] if route.server_streaming else response.json()["code"]
    assert response.status_code == http_status(StatusCode(code))
    return int(code)


async def _grpc_code(service: ArmadaService, method: str, data: dict[str, Any]) -> int:
    route = ROUTES[method]
    request_type = message_class(route.request_type)
    reply_type = message_class(route.response_type)
    request = from_json(data, request_type)
    async with ChannelFor(build_servables(service)) as channel:
        kind = UnaryStreamMethod if route.server_streaming else UnaryUnaryMethod
        call = kind(channel, method, request_type, reply_type)
        try:
            await call(request)
        except GRPCError as error:
            return int(error.status.value)
    return int(StatusCode.OK)


async def test_the_pod_spec_size_rule_counts_protobuf_bytes_on_both_protocols(
    rest: httpx.AsyncClient, service: ArmadaService
) -> None:
    """REST passes the protobuf size too, so both answer with the same byte count."""
    anyone = {"subjects": [{"kind": "Group", "name": "everyone"}], "verbs": ["submit"]}
    await rest.post("/v1/queue", json=queue_body("open", permissions=[anyone]), headers=ADMIN)
    body = submit_body("open", "big")
    container = body["jobRequestItems"][0]["podSpec"]["containers"][0]
    container["env"] = [{"name": "BLOB", "value": "\u00e9" * 40_000}]  # 2 bytes each
    request = from_json(body, message_class("api.JobSubmitRequest"))
    size = request.job_request_items[0].pod_spec.ByteSize()
    response = await rest.post("/v1/job/submit", json=body)
    assert response.status_code == 400
    assert f"a size of {size} bytes" in response.json()["message"]
    async with ChannelFor(build_servables(service)) as channel:
        call = UnaryUnaryMethod(
            channel,
            "/api.Submit/SubmitJobs",
            message_class("api.JobSubmitRequest"),
            message_class("api.JobSubmitResponse"),
        )
        with pytest.raises(GRPCError) as failure:
            await call(request)
    assert f"a size of {size} bytes" in (failure.value.message or "")
