"""Fixtures of the end-to-end tests: one real server (SQLite file) per module."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from armada_client.client import ArmadaClient
from e2e_support import ServerProcess, sqlite_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """The reference server on a SQLite file, authentication off (open to everyone)."""
    yield from sqlite_server(tmp_path_factory)


@pytest.fixture(scope="module")
def channel(server: ServerProcess) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(server.grpc_target) as channel:
        yield channel


@pytest.fixture(scope="module")
def client(channel: grpc.Channel) -> ArmadaClient:
    """The official Python client (armada-client from PyPI)."""
    return ArmadaClient(channel)
