"""The connection gate and the throttled warning, in-process with fake transports."""

from __future__ import annotations

import asyncio
import logging

import pytest

from armada_adapters.server.config import ConfigError, parse_config
from armada_adapters.server.gate import ConnectionGate
from armada_adapters.server.resources import connection_cap
from armada_adapters.server.throttled_log import ThrottledWarning


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class FakeTransport:
    def __init__(self) -> None:
        self.closed = False
        self.aborted = False

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True


class FakeProtocol(asyncio.Protocol):
    def __init__(self, idle: bool = True) -> None:
        self.idle = idle
        self.made = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.made = True


def connect(gate: ConnectionGate, idle: bool = True) -> tuple[FakeTransport, FakeProtocol]:
    transport, inner = FakeTransport(), FakeProtocol(idle)
    gate.wrap(lambda: inner)().connection_made(transport)  # type: ignore[arg-type]
    return transport, inner


@pytest.mark.anyio
async def test_at_the_cap_the_oldest_idle_connection_makes_room() -> None:
    gate = ConnectionGate("test", 3, lambda p: p.idle)
    busy, _ = connect(gate, idle=False)
    oldest_idle, _ = connect(gate)
    newer_idle, _ = connect(gate)
    newcomer, inner = connect(gate)
    assert inner.made and not newcomer.aborted
    assert oldest_idle.closed and not newer_idle.closed and not busy.closed
    assert gate.open_connections == 3


@pytest.mark.anyio
async def test_with_every_connection_busy_a_new_one_is_refused(
    caplog: pytest.LogCaptureFixture,
) -> None:
    gate = ConnectionGate("test", 2, lambda p: p.idle)
    held = [connect(gate, idle=False)[0] for _ in range(2)]
    refused = [connect(gate) for _ in range(100)]
    assert all(t.aborted and not p.made for t, p in refused)
    assert not any(t.closed for t in held)
    warnings = [r for r in caplog.records if "refused" in r.getMessage()]
    assert len(warnings) == 1  # throttled: one line for the hundred


@pytest.mark.anyio
async def test_a_throttled_warning_reports_the_count_of_an_interval(
    caplog: pytest.LogCaptureFixture,
) -> None:
    warning = ThrottledWarning(logging.getLogger("t"), "it happened", interval=0.05)
    for _ in range(500):
        warning.note()
    await asyncio.sleep(0.12)
    lines = [r.getMessage() for r in caplog.records if r.name == "t"]
    assert lines == ["it happened (1 time(s) in 0.05 s)", "it happened (499 time(s) in 0.05 s)"]


def test_the_cap_is_fitted_to_the_open_file_limit() -> None:
    assert connection_cap(10_000, 1024) == (1024 - 128) // 2
    assert connection_cap(50, 1024) == 50
    assert connection_cap(50, None) == 50


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ({"maxPerListener": 0}, "at least 1"),
        ({"httpHeaderTimeout": "0s"}, "must be positive"),
        ({"grpcIdle": "1s"}, "unknown key connections.grpcIdle"),
        ({"maxPerListener": "many"}, "must be an integer"),
    ],
)
def test_bad_connection_settings_are_config_errors(
    section: dict[str, object], expected: str
) -> None:
    with pytest.raises(ConfigError, match=expected):
        parse_config({"connections": section})
