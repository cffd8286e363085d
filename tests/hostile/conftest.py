"""Fixtures of the hostile-client tests: one real server (SQLite file) per module.

The server is the one users run (`python -m armada_adapters`, see tests/e2e), so
what is measured is what a client would see over its sockets.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import grpc
import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from e2e_support import ServerProcess


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """The reference server on a SQLite file, authentication off (open to everyone)."""
    cwd: Path = tmp_path_factory.mktemp("server")
    config = {"storage": {"backend": "sqlite", "sqlite": {"path": str(cwd / "armada.db")}}}
    process = ServerProcess(cwd, config, {}).wait_ready()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
def channel(server: ServerProcess) -> Iterator[grpc.Channel]:
    options = [("grpc.max_send_message_length", 16 * 1024 * 1024)]
    with grpc.insecure_channel(server.grpc_target, options=options) as channel:
        yield channel


@pytest.fixture(scope="module")
def http(server: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"http://127.0.0.1:{server.http_port}", timeout=30) as client:
        yield client
