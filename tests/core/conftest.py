"""Fixtures for the core tests: the memory storage, a manual clock, counted ids."""

from __future__ import annotations

import pytest
from core_support import CountingIds, admin_permissions

from armada_core.clock import ManualClock
from armada_core.config import ServiceConfig
from armada_core.service import ArmadaService
from armada_storage.feed import LocalChangeFeed
from armada_storage.memory import MemoryStorage


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start_ns=1_700_000_000_123_456_789)


@pytest.fixture
def feed() -> LocalChangeFeed:
    return LocalChangeFeed()


@pytest.fixture
def storage(feed: LocalChangeFeed) -> MemoryStorage:
    return MemoryStorage(changes=feed)


@pytest.fixture
def config() -> ServiceConfig:
    return ServiceConfig(permissions=admin_permissions())


@pytest.fixture
def service(storage: MemoryStorage, config: ServiceConfig, clock: ManualClock) -> ArmadaService:
    return ArmadaService(storage, config=config, clock=clock, ids=CountingIds())
