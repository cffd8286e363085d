"""Fixtures of the REST adapter tests: a real service on the memory storage, the app,
an httpx client over ASGITransport, and a uvicorn server on a free port."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import httpx
import pytest
from rest_support import (
    TOKENS,
    FollowerFeed,
    TokenBackend,
    base_url,
    listening_socket,
    uvicorn_server,
)
from starlette.applications import Starlette

from armada_adapters.rest import RestSettings, create_app
from armada_auth import Authenticator
from armada_core.config import ServiceConfig
from armada_core.permissions import Permission, PermissionConfig
from armada_core.service import ArmadaService
from armada_storage.feed import LocalChangeFeed
from armada_storage.memory import MemoryStorage


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def feed() -> FollowerFeed:
    return FollowerFeed()


@pytest.fixture
def storage(feed: LocalChangeFeed) -> MemoryStorage:
    return MemoryStorage(changes=feed)


@pytest.fixture
def service(storage: MemoryStorage) -> ArmadaService:
    # `admins` hold every global permission; others only what queues grant them.
    permissions = PermissionConfig.from_mappings(groups={p.value: ["admins"] for p in Permission})
    return ArmadaService(storage, config=ServiceConfig(permissions=permissions))


@pytest.fixture
def authenticator() -> Authenticator:
    return Authenticator([TokenBackend(TOKENS)])


@pytest.fixture
def app(service: ArmadaService, authenticator: Authenticator) -> Starlette:
    return create_app(service, authenticator, settings=RestSettings())


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    headers = {"authorization": "Bearer admin"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://armada.test", headers=headers
    ) as http:
        yield http


@pytest.fixture
async def live_url(app: Starlette) -> AsyncIterator[str]:
    """The app served by uvicorn on a free port of 127.0.0.1, in this event loop."""
    sock = listening_socket()
    server = uvicorn_server(app)
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(server.serve, [sock])
        yield base_url(sock)
        server.should_exit = True
    sock.close()
