"""The `scheduler:` section: Armada's keys and Go durations into `SchedulerConfig`."""

from __future__ import annotations

import logging

import pytest

from armada_adapters.server.config import parse_config
from armada_adapters.server.scheduler_settings import SchedulerConfigError, scheduler_config
from armada_core.scheduler_config import PriorityClass, SchedulerConfig

S = 1_000_000_000


def test_empty_section_gives_the_defaults() -> None:
    assert scheduler_config({}) == SchedulerConfig()


def test_armada_keys_and_go_durations() -> None:
    config = scheduler_config(
        {
            "schedulePeriod": "200ms",
            "cyclePeriod": "1m30s",
            "ExecutorTimeout": "2s",
            "scheduling": {
                "maxRetries": 5,
                "nodeIdLabel": "example.com/node",
                "executorTimeout": "10m",
                "priorityClassNameOverride": "armada-default",
                "defaultPriorityClassName": "low",
                "priorityClasses": {"low": {"priority": 10, "preemptible": True}},
            },
        }
    )
    assert config.schedule_period_ns == S // 5
    assert config.cycle_period_ns == 90 * S
    assert config.executor_timeout_ns == 2 * S
    assert config.scheduling_executor_timeout_ns == 600 * S
    assert (config.max_retries, config.node_id_label) == (5, "example.com/node")
    assert config.priority_classes == {"low": PriorityClass(10, True)}
    assert config.priority_class("nope") == PriorityClass(10, True)


def test_unused_armada_keys_warn(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        scheduler_config({"scheduling": {"protectedFractionOfFairShare": 1.0}})
    assert "protectedFractionOfFairShare" in caplog.text


@pytest.mark.parametrize(
    "section",
    [
        {"bogus": 1},
        {"scheduling": {"bogus": 1}},
        {"schedulePeriod": "soon"},
        {"executorTimeout": "0s"},
        {"scheduling": {"maxRetries": "3"}},
        {"scheduling": {"defaultPriorityClassName": "missing"}},
    ],
)
def test_bad_sections_are_refused(section: dict[str, object]) -> None:
    with pytest.raises(SchedulerConfigError):
        scheduler_config(section)


def test_server_config_hands_the_section_over() -> None:
    assert parse_config({"scheduler": {"schedulePeriod": "1s"}}).scheduler == {
        "schedulePeriod": "1s"
    }
