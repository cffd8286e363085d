"""The `submission:` section, read by the composition root into the core's SubmissionConfig."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest

from armada_adapters.server.config import ConfigError, parse_config
from armada_core.quantity import Quantity
from armada_core.submission import SubmissionConfig


def no_schedule(key: str) -> dict[str, str]:
    return {"key": key, "operator": "Equal", "value": "true", "effect": "NoSchedule"}


# The `submission:` section of Armada's config/server/config.yaml, as YAML loads it.
ARMADA_SECTION = {
    "allowedPriorityClassNames": {
        "armada-default": True,
        "armada-preemptible": True,
        "armada-resilient": True,
    },
    "defaultPriorityClassName": "armada-default",
    "defaultJobLimits": {"cpu": "1", "memory": "1Gi", "ephemeral-storage": "8Gi"},
    "defaultJobTolerations": [no_schedule("armadaproject.io/armada")],
    "defaultJobTolerationsByPriorityClass": {
        "armada-default": [no_schedule("armadaproject.io/pc-armada-default")],
        "armada-preemptible": [no_schedule("armadaproject.io/pc-armada-preemptible")],
    },
    # Armada writes this map as a list of one-entry maps.
    "defaultJobTolerationsByResourceRequest": [
        {"nvidia.com/gpu": [no_schedule("armadaproject.io/gpu")]}
    ],
    "maxPodSpecSizeBytes": 65535,
    "minJobResources": {"memory": "1Mi"},
    "minTerminationGracePeriod": "1s",
    "maxTerminationGracePeriod": "5m",
    "defaultActiveDeadline": "72h",
    "defaultActiveDeadlineByResourceRequest": {"nvidia.com/gpu": "336h"},
    "assertInitContainersRequestFractionalCpu": True,
}


def submission(section: dict[str, Any]) -> SubmissionConfig:
    return parse_config({"submission": section}).submission


def test_armadas_own_section_reads_back_as_the_defaults() -> None:
    assert submission(ARMADA_SECTION) == SubmissionConfig()
    assert parse_config({}).submission == SubmissionConfig()


def test_every_setting_can_be_read() -> None:
    config = submission(
        {
            "allowedPriorityClassNames": {"a": True, "b": False},
            "defaultPriorityClassName": "a",
            "restrictedTolerationKeys": ["secret"],
            "defaultGangNodeUniformityLabel": "zone",
            "maxOversubscriptionByResourceRequest": {"cpu": 2, "memory": "1.5"},
            "addGangIdLabel": "true",
            "allowCustomServiceNames": True,
            "defaultNamespace": "",
            "maxPodSpecSizeBytes": "1000",
            "defaultJobTolerations": [{"Key": "k", "Operator": "Exists", "tolerationSeconds": 5}],
        }
    )
    assert config.allowed_priority_class_names == {"a"}  # false entries are not allowed
    assert config.restricted_toleration_keys == ("secret",)
    assert config.default_gang_node_uniformity_label == "zone"
    assert config.max_oversubscription_by_resource_request == {"cpu": 2.0, "memory": 1.5}
    assert (config.add_gang_id_label, config.allow_custom_service_names) == (True, True)
    assert config.default_namespace == ""
    assert config.max_pod_spec_size_bytes == 1000
    assert config.default_job_tolerations == (
        {"key": "k", "operator": "Exists", "tolerationSeconds": 5},
    )


def test_keys_match_case_insensitively_like_viper() -> None:
    config = parse_config({"SUBMISSION": {"MaxPodSpecSizeBytes": 10, "minjobresources": {}}})
    assert config.submission.max_pod_spec_size_bytes == 10
    assert config.submission.min_job_resources == {}


def test_given_maps_replace_the_default_as_a_whole() -> None:
    config = submission({"defaultJobLimits": {"cpu": 0.5}})
    assert config.default_job_limits == {"cpu": Quantity.parse("500m")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1s", timedelta(seconds=1)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1.5s", timedelta(seconds=1.5)),
        ("300ms", timedelta(milliseconds=300)),
        ("0", timedelta(0)),
        (90, timedelta(seconds=90)),  # a bare number is seconds (Armada: nanoseconds)
        (1.5, timedelta(seconds=1.5)),
    ],
)
def test_durations_are_go_durations_or_seconds(text: object, expected: timedelta) -> None:
    assert submission({"defaultActiveDeadline": text}).default_active_deadline == expected


def test_a_bare_number_for_an_armada_duration_is_seconds_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        config = submission({"maxTerminationGracePeriod": 600})
    assert config.max_termination_grace_period == timedelta(minutes=10)
    assert "submission.maxTerminationGracePeriod: the bare number 600 is read as" in caplog.text
    assert "nanoseconds" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        submission({"maxTerminationGracePeriod": "10m", "minTerminationGracePeriod": 0})
    assert caplog.text == ""


def test_unknown_keys_are_refused_with_their_path() -> None:
    with pytest.raises(ConfigError, match=r"^unknown key submission\.maxPodSpecSize; known"):
        submission({"maxPodSpecSize": 1})


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("maxPodSpecSizeBytes", "lots"),
        ("maxPodSpecSizeBytes", -1),
        ("maxPodSpecSizeBytes", True),
        ("defaultActiveDeadline", "3 days"),
        ("defaultActiveDeadline", "-1s"),
        ("defaultJobLimits", {"cpu": "one"}),
        ("defaultJobLimits", ["cpu"]),
        ("addGangIdLabel", "yes"),
        ("restrictedTolerationKeys", "secret"),
        ("defaultJobTolerations", [{"key": "k", "colour": "red"}]),
        ("defaultPriorityClassName", 7),
        ("maxOversubscriptionByResourceRequest", {"cpu": "twice"}),
    ],
)
def test_bad_values_name_their_key(key: str, value: object) -> None:
    with pytest.raises(ConfigError, match=rf"submission\.{key}"):
        submission({key: value})


def test_the_default_priority_class_must_be_allowed() -> None:
    with pytest.raises(ConfigError, match=r"submission\.defaultPriorityClassName armada-default"):
        submission({"allowedPriorityClassNames": {"other": True}})
