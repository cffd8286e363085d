"""Fixtures of the web UI tests: the real app (API + UI) over ASGITransport, Basic auth."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from ui_support import USERS, client_as

from armada_adapters.rest import create_app
from armada_auth import build_authenticator
from armada_core.config import ServiceConfig
from armada_core.permissions import Permission, PermissionConfig
from armada_core.service import ArmadaService
from armada_storage.memory import MemoryStorage


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def service() -> ArmadaService:
    # `admins` hold every global permission; bob holds none and owns no queue.
    permissions = PermissionConfig.from_mappings(groups={p.value: ["admins"] for p in Permission})
    return ArmadaService(MemoryStorage(), config=ServiceConfig(permissions=permissions))


@pytest.fixture
async def app(service: ArmadaService):  # type: ignore[no-untyped-def]
    authenticator = await build_authenticator({"basicAuth": {"users": USERS}})
    return create_app(service, authenticator, ui=True)


@pytest.fixture
async def admin(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    async with client_as(app, "admin") as client:
        yield client


@pytest.fixture
async def bob(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    async with client_as(app, "bob") as client:
        yield client
