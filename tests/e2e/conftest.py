"""Fixtures of the end-to-end tests: one real server (SQLite file) per module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from armada_client.client import ArmadaClient
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
    with grpc.insecure_channel(server.grpc_target) as channel:
        yield channel


@pytest.fixture(scope="module")
def client(channel: grpc.Channel) -> ArmadaClient:
    """The official Python client (armada-client from PyPI)."""
    return ArmadaClient(channel)
