"""The auth matrix harness: one service behind both real adapters, one way to call them.

`open_stack(auth_config)` builds what the server builds from an `auth:` section (the
authenticator with `build_authenticator`, the global permissions with the server's own
`permissions_for`), serves a fresh `ArmadaService` on `MemoryStorage` through
`build_grpc_server` on a loopback socket and through `create_app` over
`httpx.ASGITransport`, and hands out a caller per protocol. Both callers take a gRPC
method path and a Go-JSON request, so one test body runs on either protocol and
reads one `Reply` shape.
"""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

import httpx
from grpclib.client import Channel
from grpclib.const import Cardinality
from grpclib.exceptions import GRPCError

from armada_adapters.grpc.server import build_grpc_server
from armada_adapters.rest import create_app
from armada_adapters.rest.routes import RestRoute, rest_routes
from armada_adapters.server.bootstrap import permissions_for
from armada_adapters.server.config import ServerConfig
from armada_adapters.wire.jsoncodec import from_json, to_json
from armada_adapters.wire.operations import OPERATIONS, SERVICES
from armada_adapters.wire.pool import message_class
from armada_auth import Authenticator, Factory, build_authenticator
from armada_core.config import ServiceConfig
from armada_core.principal import Principal
from armada_core.queues import QueueSpec, build_queue
from armada_core.service import ArmadaService
from armada_storage import MemoryStorage

PROTOCOLS = ("grpc", "rest")
WWW_AUTHENTICATE = "www-authenticate"
OK, PERMISSION_DENIED, UNAUTHENTICATED = 0, 7, 16
# Sets up queues behind the adapters' backs; holds no mapped group, so it proves nothing.
SETUP = Principal("setup", "Test")


@dataclass(frozen=True, slots=True)
class Reply:
    """One call's outcome, the same shape for both protocols.

    `code` is the gRPC status code (REST: the body's `code`, 0 on 2xx); `body` is the
    REST JSON (a list of objects for a stream) or the gRPC reply messages as Go-JSON.
    `www_authenticate` holds the values sent up front (gRPC initial metadata, REST
    response headers), `trailing_www_authenticate` those in gRPC trailers (where a
    trailers-only refusal puts them).
    """

    protocol: str
    code: int
    message: str
    body: Any
    www_authenticate: tuple[str, ...]
    trailing_www_authenticate: tuple[str, ...] = ()
    http_status: int | None = None

    @property
    def ok(self) -> bool:
        """Whether the call succeeded."""
        return self.code == OK

    @property
    def result(self) -> Any:
        """A unary call's answer as Go-JSON (gRPC's one message, REST's body)."""
        if self.protocol == "grpc":
            return self.body[0] if self.body else None
        return self.body


class Caller(Protocol):
    """Calls one RPC, by gRPC method path, with an optional `authorization` value."""

    protocol: str

    async def call(
        self, path: str, request: Mapping[str, Any], authorization: str | None = None
    ) -> Reply: ...


class GrpcCaller:
    """A grpclib `Channel` sending raw upb messages of our descriptor pool."""

    protocol = "grpc"

    def __init__(self, channel: Channel) -> None:
        self.channel = channel

    async def call(
        self, path: str, request: Mapping[str, Any], authorization: str | None = None
    ) -> Reply:
        """Send `request`; collect replies, status and every `www-authenticate` value."""
        op = OPERATIONS[path]
        request_type = message_class(op.request_type_name)
        reply_type = message_class(op.response_type_name)
        cardinality = Cardinality.UNARY_STREAM if op.streaming else Cardinality.UNARY_UNARY
        metadata = {"authorization": authorization} if authorization is not None else None
        messages: list[dict[str, Any]] = []
        code, text = OK, ""
        async with self.channel.request(
            path, cardinality, request_type, reply_type, metadata=metadata
        ) as stream:
            await stream.send_message(from_json(dict(request), request_type), end=True)
            try:
                async for message in stream:
                    messages.append(to_json(message))
                await stream.recv_trailing_metadata()
            except GRPCError as error:
                code, text = error.status.value, error.message or ""
            initial, trailing = _values(stream.initial_metadata), _values(stream.trailing_metadata)
        return Reply(self.protocol, code, text, messages, initial, trailing)


def _values(metadata: Any) -> tuple[str, ...]:
    return tuple(metadata.getall(WWW_AUTHENTICATE, ())) if metadata else ()


class RestCaller:
    """An httpx client on the ASGI app, routing by the gateway's annotations."""

    protocol = "rest"

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.routes = {route.method_path: route for route in rest_routes(SERVICES)}

    async def call(
        self, path: str, request: Mapping[str, Any], authorization: str | None = None
    ) -> Reply:
        """Send `request` as the gateway expects it: path fields, then body or query."""
        route = self.routes[path]  # KeyError: the RPC has no REST route
        url, rest = _fill_path(route, request)
        headers = {"authorization": authorization} if authorization is not None else {}
        if route.takes_query:
            response = await self.client.request(
                route.http_method, url, params=rest, headers=headers
            )
        else:
            response = await self.client.request(route.http_method, url, json=rest, headers=headers)
        return _rest_reply(response, route.server_streaming)


def _fill_path(route: RestRoute, request: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    rest = dict(request)
    url = route.template
    for name in route.path_params:
        url = url.replace("{" + name + "}", quote(str(rest.pop(name, "")), safe=""))
    return url, rest


def _rest_reply(response: httpx.Response, streaming: bool) -> Reply:
    challenges = tuple(response.headers.get_list(WWW_AUTHENTICATE))
    body = _json_body(response, streaming and response.is_success)
    if response.is_success:
        return Reply("rest", OK, "", body, challenges, http_status=response.status_code)
    error = body.get("error")
    # Unary failures are {"error", "code", "message"}; refused streams nest an object.
    if isinstance(error, dict):
        code, text = error["grpc_code"], error["message"]
    else:
        code, text = body["code"], body["message"]
    return Reply("rest", code, text, body, challenges, http_status=response.status_code)


def _json_body(response: httpx.Response, lines: bool) -> Any:
    if lines:
        return [json.loads(line) for line in response.text.splitlines() if line]
    return response.json() if response.content else None


@dataclass(frozen=True, slots=True)
class Stack:
    """A running service with its authenticator and a caller per protocol."""

    service: ArmadaService
    storage: MemoryStorage
    authenticator: Authenticator
    callers: Mapping[str, Caller]
    http: httpx.AsyncClient

    async def owner_of(self, queue: str) -> tuple[str, ...]:
        """The user owners of a queue (CreateQueue makes the caller the owner)."""
        stored = await self.service.get_queue(SETUP, queue)
        return tuple(s.name for s in stored.permissions[0].subjects if s.kind == "User")

    async def add_queue(self, name: str, **spec: Any) -> None:
        """Store a queue directly: setup that needs no permission (owner `setup` by default)."""
        spec.setdefault("user_owners", (SETUP.name,))
        queue = build_queue(QueueSpec(name, priority_factor=1.0, **spec), prefix="setup:")
        await self.storage.upsert_queue(queue)


@asynccontextmanager
async def open_stack(
    auth_config: Mapping[str, Any], *, plugins: Mapping[str, Factory] | None = None
) -> AsyncIterator[Stack]:
    """Serve a fresh service with this `auth:` section on both protocols."""
    permissions = permissions_for(ServerConfig(auth=auth_config))
    storage = MemoryStorage()
    service = ArmadaService(storage, config=ServiceConfig(permissions=permissions))
    authenticator = await build_authenticator(auth_config, plugins=plugins)
    async with AsyncExitStack() as exits:
        exits.push_async_callback(authenticator.aclose)
        channel = await exits.enter_async_context(_serve_grpc(service, authenticator))
        app = create_app(service, authenticator)
        http = await exits.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://armada")
        )
        callers: dict[str, Caller] = {"grpc": GrpcCaller(channel), "rest": RestCaller(http)}
        yield Stack(service, storage, authenticator, callers, http)


@asynccontextmanager
async def _serve_grpc(
    service: ArmadaService, authenticator: Authenticator
) -> AsyncIterator[Channel]:
    server = build_grpc_server(service, authenticator)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    await server.start(sock=sock)
    channel = Channel("127.0.0.1", sock.getsockname()[1])
    try:
        yield channel
    finally:
        channel.close()
        server.close()
        await server.wait_closed()


# --- request bodies (Go-JSON, as the REST gateway takes them) ---------------------------


def pod_spec() -> dict[str, Any]:
    """A pod spec that passes submission checks: requests equal limits."""
    resources = {"cpu": "100m", "memory": "64Mi"}
    container = {
        "name": "main",
        "image": "busybox",
        "resources": {"requests": dict(resources), "limits": dict(resources)},
    }
    return {"containers": [container]}


def submit_request(queue: str, job_set: str = "set") -> dict[str, Any]:
    """A JobSubmitRequest with one valid item."""
    item = {"priority": 1, "namespace": "default", "clientId": "c0", "podSpec": pod_spec()}
    return {"queue": queue, "jobSetId": job_set, "jobRequestItems": [item]}


def queue_request(name: str, **extra: Any) -> dict[str, Any]:
    """An api.Queue for CreateQueue/UpdateQueue."""
    return {"name": name, "priorityFactor": 1, **extra}


JOB_ID = "01hzzzzzzzzzzzzzzzzzzzzzzz"  # well-formed, never submitted


def by_name(queue: str) -> dict[str, Any]:
    """A request naming the queue (Get/Delete/Cordon..., GetQueueInfo, *OnQueue)."""
    return {"name": queue}


def job_set(queue: str) -> dict[str, Any]:
    """A request naming job set `set` of the queue (CancelJobSet)."""
    return {"queue": queue, "jobSetId": "set"}


def with_job(queue: str) -> dict[str, Any]:
    """A request naming one job of job set `set` (CancelJobs, PreemptJobs)."""
    return {**job_set(queue), "jobIds": [JOB_ID]}


def new_priority(queue: str) -> dict[str, Any]:
    """A ReprioritizeJobs request for one job."""
    return {**with_job(queue), "newPriority": 3}


def events(queue: str) -> dict[str, Any]:
    """A GetJobSetEvents request that replays job set `set` and ends."""
    return {"queue": queue, "id": "set"}


def update(queue: str) -> dict[str, Any]:
    """An UpdateQueue request that changes the priority factor to 2."""
    return queue_request(queue, priorityFactor=2, userOwners=["setup"])
