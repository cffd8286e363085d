"""Fixtures of the hostile-client tests: one real server (SQLite file) per module.

The server is the one users run (`python -m armada_adapters`, see tests/e2e), so
what is measured is what a client would see over its sockets.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from e2e_support import ServerProcess, channel, server  # noqa: F401 (shared fixtures)


@pytest.fixture(scope="module")
def http(server: ServerProcess) -> Iterator[httpx.Client]:  # noqa: F811 (the fixture)
    with httpx.Client(base_url=f"http://127.0.0.1:{server.http_port}", timeout=30) as client:
        yield client
