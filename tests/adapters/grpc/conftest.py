"""Fixtures of the gRPC adapter tests: asyncio, a service on memory storage."""

from __future__ import annotations

import pytest

from armada_adapters.grpc.gzip import install_gzip_support
from armada_core.config import ServiceConfig
from armada_core.permissions import PermissionConfig
from armada_core.service import ArmadaService
from armada_storage.memory import MemoryStorage


@pytest.fixture
def anyio_backend() -> str:
    """grpclib runs on asyncio only."""
    return "asyncio"


@pytest.fixture(autouse=True)
def gzip_support() -> None:
    """What `build_grpc_server` does; the in-memory channels bypass it."""
    install_gzip_support()


@pytest.fixture
def service() -> ArmadaService:
    """A service where everyone may do everything (as the server with no config)."""
    config = ServiceConfig(permissions=PermissionConfig.everyone_may())
    return ArmadaService(MemoryStorage(), config=config)
