"""The `scheduler:` section: Armada's keys and Go durations into `SchedulerConfig`."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
import yaml

from armada_adapters.server.config import ConfigError, parse_config
from armada_core.retry.engine import RetrySettings
from armada_core.scheduler_config import SchedulerConfig
from armada_core.scheduling import PriorityClass, RateLimit

S = 1_000_000_000


def scheduler_config(section: object) -> SchedulerConfig:
    """The section as the whole server config file reads it."""
    return parse_config({"scheduler": section}).scheduler.to_core()


def retry_settings(section: object) -> RetrySettings:
    """The retry engine's settings as the whole server config file reads them."""
    return parse_config({"scheduler": section}).scheduler.scheduling.retry_policy.to_core()


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
                "priorityClasses": {
                    "low": {
                        "priority": 10,
                        "preemptible": True,
                        "maximumResourceFractionPerQueue": {"cpu": 0.5},
                    }
                },
                "protectedFractionOfFairShare": 2,
                "maximumSchedulingRate": 5.5,
                "maximumPerQueueSchedulingBurst": 7,
                "dominantResourceFairnessResourcesToConsider": ["cpu"],
            },
        }
    )
    assert config.schedule_period_ns == S // 5
    assert config.cycle_period_ns == 90 * S
    assert config.executor_timeout_ns == 2 * S
    assert config.scheduling_executor_timeout_ns == 600 * S
    assert config.max_retries == 5
    assert config.priority_class_override == "armada-default"
    scheduling = config.scheduling
    assert scheduling.node_id_label == "example.com/node"
    assert scheduling.priority_classes == {"low": PriorityClass(10, True, {"cpu": 0.5})}
    assert config.priority_class("nope") == PriorityClass(10, True, {"cpu": 0.5})
    assert scheduling.protected_fraction_of_fair_share == 2.0
    assert scheduling.maximum_scheduling_rate == RateLimit(5.5, 1000)
    assert scheduling.maximum_per_queue_scheduling_rate == RateLimit(50.0, 7)
    assert scheduling.dominant_resource_fairness_resources_to_consider == ("cpu",)


def test_unused_armada_keys_warn(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        scheduler_config({"scheduling": {"pools": []}})
    assert "pools" in caplog.text


@pytest.mark.parametrize(
    "section",
    [
        {"bogus": 1},
        {"scheduling": {"bogus": 1}},
        {"schedulePeriod": "soon"},
        {"executorTimeout": "0s"},
        {"scheduling": {"maxRetries": "three"}},
        {"scheduling": {"priorityClasses": {"low": {"priority": True}}}},
        {"scheduling": {"maximumResourceFractionToSchedule": ["cpu"]}},
        {"scheduling": {"defaultPriorityClassName": "missing"}},
        {"scheduling": {"maximumSchedulingRate": -1}},
        {"scheduling": {"maxQueueLookback": 0}},
    ],
)
def test_bad_sections_are_refused_with_their_path(section: dict[str, object]) -> None:
    with pytest.raises(ConfigError, match=r"(^| )scheduler[.: ]"):
        scheduler_config(section)


def test_unknown_keys_are_named_with_their_path() -> None:
    with pytest.raises(ConfigError, match=r"unknown key scheduler\.scheduling\.bogus"):
        scheduler_config({"scheduling": {"bogus": 1}})
    with pytest.raises(ConfigError, match=r"unknown key scheduler\.priorityClasses"):
        scheduler_config({"priorityClasses": {}})


def test_keys_match_ignoring_case_and_strings_of_digits_are_numbers() -> None:
    config = scheduler_config({"SCHEDULING": {"MaxRetries": "7", "maxqueuelookback": 5}})
    assert (config.max_retries, config.scheduling.max_queue_lookback) == (7, 5)


def test_a_bare_duration_number_is_seconds_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        config = scheduler_config({"schedulePeriod": 2})
    assert config.schedule_period_ns == 2 * S
    assert "scheduler.schedulePeriod" in caplog.text


def test_environment_overrides_reach_the_section() -> None:
    from armada_adapters.server.config import with_environment

    data = with_environment({}, {"ARMADA_SCHEDULER_SCHEDULING_MAXRETRIES": "9"})
    assert parse_config(data).scheduler.to_core().max_retries == 9


def test_the_readme_example_lists_the_defaults() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(scheduler:.*?)```", readme, re.S)
    assert len(blocks) == 2  # every key; the retry policy keys again in their section
    for block in blocks:
        section = yaml.safe_load(block)["scheduler"]
        assert scheduler_config(section) == SchedulerConfig()
        assert retry_settings(section) == RetrySettings()


def test_retry_policies_are_on_by_default_and_armadas_keys_turn_them_off(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert retry_settings({}) == RetrySettings(enabled=True, global_max_retries=5)
    keys = {"Enabled": False, "globalMaxRetries": 2, "defaultPolicyName": "oom"}
    section = {"scheduling": {"retryPolicy": keys, "pools": []}}
    assert retry_settings(section) == RetrySettings(False, 2, "oom")
    assert scheduler_config(section) == SchedulerConfig()  # the engine's keys are not its own
    with caplog.at_level(logging.WARNING):
        retry_settings({"scheduling": {"retryPolicy": {"globalMaxRetries": 0}}})
    assert "kill-switch" in caplog.text


@pytest.mark.parametrize(
    "keys",
    [{"enabled": "maybe"}, {"globalMaxRetries": -1}, {"globalMaxRetries": "five"}, {"bogus": 1}],
)
def test_bad_retry_policy_keys_are_refused(keys: dict[str, object]) -> None:
    with pytest.raises(ConfigError, match="retryPolicy"):
        retry_settings({"scheduling": {"retryPolicy": keys}})
