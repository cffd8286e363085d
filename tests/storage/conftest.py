"""Fixtures for the storage tests: the contract runs against every backend."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from storage_helpers import POSTGRES_DSN, open_backend

from armada_core.ports import Storage

BACKENDS = [
    "memory",
    "sqlite",
    pytest.param(
        "postgres",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(not POSTGRES_DSN, reason="set ARMADA_TEST_POSTGRES_DSN to run"),
        ],
    ),
]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=BACKENDS)
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    """A fresh, empty store of each backend."""
    store = await open_backend(request.param, tmp_path)
    try:
        yield store
    finally:
        await store.aclose()
