"""Fixtures of the end-to-end tests: one real server (SQLite file) per module."""

from __future__ import annotations

import grpc
import pytest
from armada_client.client import ArmadaClient
from e2e_support import channel, server  # noqa: F401 (fixtures shared with tests/hostile)


@pytest.fixture(scope="module")
def client(channel: grpc.Channel) -> ArmadaClient:  # noqa: F811 (the fixture)
    """The official Python client (armada-client from PyPI)."""
    return ArmadaClient(channel)
