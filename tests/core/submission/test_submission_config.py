"""SubmissionConfig: Armada's defaults, and reading Armada's camelCase YAML section."""

from __future__ import annotations

from datetime import timedelta

import pytest

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


def test_defaults_are_armadas() -> None:
    config = SubmissionConfig()
    assert config.allowed_priority_class_names == {
        "armada-default",
        "armada-preemptible",
        "armada-resilient",
    }
    assert config.default_priority_class_name == "armada-default"
    assert {k: q.canonical() for k, q in config.default_job_limits.items()} == {
        "cpu": "1",
        "memory": "1Gi",
        "ephemeral-storage": "8Gi",
    }
    assert config.default_job_tolerations == (no_schedule("armadaproject.io/armada"),)
    assert config.default_job_tolerations_by_resource_request == {
        "nvidia.com/gpu": (no_schedule("armadaproject.io/gpu"),)
    }
    assert config.max_pod_spec_size_bytes == 65535
    assert config.min_job_resources == {"memory": Quantity.parse("1Mi")}
    assert (config.min_termination_grace_period, config.max_termination_grace_period) == (
        timedelta(seconds=1),
        timedelta(minutes=5),
    )
    assert config.default_active_deadline == timedelta(hours=72)
    assert config.default_active_deadline_by_resource_request == {
        "nvidia.com/gpu": timedelta(days=14)
    }
    assert config.max_oversubscription_by_resource_request == {}
    assert config.assert_init_containers_request_fractional_cpu is True
    assert (config.add_gang_id_label, config.allow_custom_service_names) == (False, False)
    assert config.restricted_toleration_keys == ()
    assert config.default_gang_node_uniformity_label == ""
    assert config.default_namespace == "default"


def test_armadas_own_section_reads_back_as_the_defaults() -> None:
    assert SubmissionConfig.from_mapping(ARMADA_SECTION) == SubmissionConfig()


def test_every_setting_can_be_read() -> None:
    config = SubmissionConfig.from_mapping(
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
    config = SubmissionConfig.from_mapping({"MaxPodSpecSizeBytes": 10, "minjobresources": {}})
    assert config.max_pod_spec_size_bytes == 10
    assert config.min_job_resources == {}


def test_given_maps_replace_the_default_as_a_whole() -> None:
    config = SubmissionConfig.from_mapping({"defaultJobLimits": {"cpu": 0.5}})
    assert config.default_job_limits == {"cpu": Quantity.parse("500m")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1s", timedelta(seconds=1)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1.5s", timedelta(seconds=1.5)),
        ("300ms", timedelta(milliseconds=300)),
        ("0", timedelta(0)),
    ],
)
def test_durations_are_go_durations(text: str, expected: timedelta) -> None:
    config = SubmissionConfig.from_mapping({"defaultActiveDeadline": text})
    assert config.default_active_deadline == expected


def test_unknown_keys_are_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unknown submission setting 'maxPodSpecSize'"):
        SubmissionConfig.from_mapping({"maxPodSpecSize": 1})


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("maxPodSpecSizeBytes", "lots"),
        ("maxPodSpecSizeBytes", -1),
        ("maxPodSpecSizeBytes", True),
        ("defaultActiveDeadline", "3 days"),
        ("defaultActiveDeadline", 1.5),
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
    with pytest.raises(ValueError, match=f"submission setting '{key}'"):
        SubmissionConfig.from_mapping({key: value})


def test_default_priority_class_must_be_allowed() -> None:
    with pytest.raises(ValueError, match="defaultPriorityClassName x is not in"):
        SubmissionConfig(default_priority_class_name="x")
    with pytest.raises(ValueError, match="defaultPriorityClassName armada-default"):
        SubmissionConfig.from_mapping({"allowedPriorityClassNames": {"other": True}})
    assert SubmissionConfig(default_priority_class_name="").default_priority_class_name == ""
