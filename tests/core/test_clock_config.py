"""Clocks and the service configuration."""

from __future__ import annotations

import time

import pytest

from armada_core.clock import ManualClock, SystemClock
from armada_core.config import ServiceConfig
from armada_core.submission import SubmissionConfig


def test_system_clock_is_wall_time() -> None:
    before = time.time_ns()
    now = SystemClock().now_ns()
    assert before <= now <= time.time_ns()


def test_manual_clock_moves_only_forward() -> None:
    clock = ManualClock(start_ns=100)
    clock.advance(5)
    assert clock.now_ns() == 105
    clock.set(200)
    assert clock.now_ns() == 200
    with pytest.raises(ValueError, match="never goes back"):
        clock.set(199)


def test_service_config_defaults() -> None:
    config = ServiceConfig()
    assert (config.max_query_items, config.event_batch_size) == (500, 500)
    assert isinstance(config.submission, SubmissionConfig)
    assert config.permissions.groups == {}


@pytest.mark.parametrize("name", ["max_query_items", "event_batch_size", "conflict_retries"])
def test_service_config_refuses_non_positive_limits(name: str) -> None:
    with pytest.raises(ValueError, match=name):
        ServiceConfig(**{name: 0})  # type: ignore[arg-type]
