"""SubmissionConfig: Armada's defaults and its own checks (reading the YAML section is
the composition root's: tests/adapters/server/test_config_submission.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from armada_core.quantity import Quantity
from armada_core.submission import SubmissionConfig


def no_schedule(key: str) -> dict[str, str]:
    return {"key": key, "operator": "Equal", "value": "true", "effect": "NoSchedule"}


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


def test_default_priority_class_must_be_allowed() -> None:
    with pytest.raises(ValueError, match="defaultPriorityClassName x is not in"):
        SubmissionConfig(default_priority_class_name="x")
    with pytest.raises(ValueError, match="defaultPriorityClassName armada-default"):
        SubmissionConfig(allowed_priority_class_names=frozenset({"other"}))
    assert SubmissionConfig(default_priority_class_name="").default_priority_class_name == ""


def test_a_negative_pod_spec_size_is_refused() -> None:
    with pytest.raises(ValueError, match="maxPodSpecSizeBytes must not be negative"):
        SubmissionConfig(max_pod_spec_size_bytes=-1)
