"""Pod-level defaults of §5.3, each on its own, and canonical quantities in the output."""

from __future__ import annotations

from datetime import timedelta

import pytest
from submission_support import build, container, item, pod

from armada_core.submission import SubmissionConfig

GPU = "nvidia.com/gpu"


def armada_toleration(key: str) -> dict[str, str]:
    return {"key": key, "operator": "Equal", "value": "true", "effect": "NoSchedule"}


def gpu_container(name: str = "main", amount: str = "1", **extra: object) -> dict[str, object]:
    resources = {"cpu": "1", "memory": "1Gi", GPU: amount}
    return {"name": name, "resources": {"requests": resources, "limits": dict(resources)}, **extra}


# --- activeDeadlineSeconds ---------------------------------------------------------------


def test_active_deadline_defaults_to_72h() -> None:
    assert build(item()).pod_spec["activeDeadlineSeconds"] == 259200


def test_active_deadline_for_gpu_requests_is_14_days() -> None:
    assert build(item(pod(gpu_container()))).pod_spec["activeDeadlineSeconds"] == 1209600


def test_zero_gpu_and_init_container_gpu_do_not_count() -> None:
    zero = pod(gpu_container(amount="0"))
    init_only = pod(container(), initContainers=[gpu_container("init")])
    assert build(item(zero)).pod_spec["activeDeadlineSeconds"] == 259200
    assert build(item(init_only)).pod_spec["activeDeadlineSeconds"] == 259200


def test_a_given_active_deadline_is_kept_even_zero() -> None:
    assert build(item(pod(activeDeadlineSeconds=60))).pod_spec["activeDeadlineSeconds"] == 60
    assert build(item(pod(activeDeadlineSeconds=0))).pod_spec["activeDeadlineSeconds"] == 0


def test_the_longest_matching_deadline_wins_and_seconds_round_up() -> None:
    config = SubmissionConfig(
        default_active_deadline_by_resource_request={
            "cpu": timedelta(seconds=10.2),
            "memory": timedelta(seconds=20.5),
            GPU: timedelta(1),
        }
    )
    assert build(item(), config).pod_spec["activeDeadlineSeconds"] == 21


def test_no_deadline_without_any_configured() -> None:
    config = SubmissionConfig(
        default_active_deadline=timedelta(0), default_active_deadline_by_resource_request={}
    )
    assert "activeDeadlineSeconds" not in build(item(), config).pod_spec


# --- priorityClassName -------------------------------------------------------------------------


def test_priority_class_defaults_unless_given() -> None:
    assert build(item()).pod_spec["priorityClassName"] == "armada-default"
    given = pod(priorityClassName="armada-resilient")
    assert build(item(given)).pod_spec["priorityClassName"] == "armada-resilient"
    no_default = SubmissionConfig(default_priority_class_name="")
    assert "priorityClassName" not in build(item(), no_default).pod_spec


# --- default container resources ------------------------------------------------------------


def test_resources_named_nowhere_get_the_default_limits() -> None:
    job = build(item())
    resources = job.pod_spec["containers"][0]["resources"]
    expected = {"cpu": "1", "memory": "1Gi", "ephemeral-storage": "8Gi"}
    assert resources == {"requests": expected, "limits": expected}


def test_a_resource_named_as_limit_or_request_is_not_defaulted() -> None:
    only_limit = {
        "name": "c",
        "resources": {"requests": {"memory": "2Gi"}, "limits": {"memory": "2Gi", "cpu": "500m"}},
    }
    resources = build(item(pod(only_limit))).pod_spec["containers"][0]["resources"]
    assert resources["requests"] == {"memory": "2Gi", "ephemeral-storage": "8Gi"}
    assert resources["limits"] == {"memory": "2Gi", "cpu": "500m", "ephemeral-storage": "8Gi"}


def test_init_containers_get_default_limits_too() -> None:
    spec = pod(container(), initContainers=[{"name": "init", "image": "x"}])
    init = build(item(spec)).pod_spec["initContainers"][0]
    assert init["image"] == "x"
    assert init["resources"]["requests"] == {
        "cpu": "1",
        "memory": "1Gi",
        "ephemeral-storage": "8Gi",
    }


def test_no_default_limits_configured_adds_nothing() -> None:
    config = SubmissionConfig(default_job_limits={})
    bare = {"name": "c"}
    assert build(item(pod(bare)), config).pod_spec["containers"][0] == bare


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("0.2", "200m"),
        ("1024Mi", "1Gi"),
        (0.5, "500m"),
        (2, "2"),
        ("1e3", "1e3"),
        ("1.5Gi", "1536Mi"),
        ("+1", "1"),
    ],
)
def test_quantities_are_stored_in_canonical_form(given: object, stored: str) -> None:
    job = build(item(pod(container(cpu=given, memory=given))))
    resources = job.pod_spec["containers"][0]["resources"]
    assert resources["requests"]["cpu"] == resources["limits"]["memory"] == stored


# --- tolerations --------------------------------------------------------------------------------


def test_tolerations_are_appended_in_order() -> None:
    user = {"key": "mine", "operator": "Exists"}
    job = build(item(pod(gpu_container(), tolerations=[user])))
    assert job.pod_spec["tolerations"] == [
        user,
        armada_toleration("armadaproject.io/armada"),
        armada_toleration("armadaproject.io/pc-armada-default"),
        armada_toleration("armadaproject.io/gpu"),
    ]


def test_priority_class_tolerations_follow_the_defaulted_class() -> None:
    spec = pod(priorityClassName="armada-preemptible")
    keys = [t["key"] for t in build(item(spec)).pod_spec["tolerations"]]
    assert keys == ["armadaproject.io/armada", "armadaproject.io/pc-armada-preemptible"]
    resilient = pod(priorityClassName="armada-resilient")
    assert len(build(item(resilient)).pod_spec["tolerations"]) == 1


@pytest.mark.parametrize(
    ("spec", "gets_gpu_toleration"),
    [
        (pod(gpu_container(amount="0")), False),
        (pod(container(), initContainers=[gpu_container("init", restartPolicy="Always")]), True),
        (pod(container(), initContainers=[gpu_container("init")]), True),  # max counts too
    ],
)
def test_resource_tolerations_use_the_total_pod_request(
    spec: dict[str, object], gets_gpu_toleration: bool
) -> None:
    keys = [t["key"] for t in build(item(spec)).pod_spec["tolerations"]]
    assert ("armadaproject.io/gpu" in keys) is gets_gpu_toleration


def test_no_tolerations_configured_adds_none() -> None:
    config = SubmissionConfig(
        default_job_tolerations=(),
        default_job_tolerations_by_priority_class={},
        default_job_tolerations_by_resource_request={},
    )
    assert "tolerations" not in build(item(), config).pod_spec


# --- terminationGracePeriodSeconds -----------------------------------------------------------


@pytest.mark.parametrize(("given", "stored"), [(None, 1), (0, 1), (30, 30)])
def test_termination_grace_period_defaults_to_the_minimum(given: int | None, stored: int) -> None:
    spec = pod() if given is None else pod(terminationGracePeriodSeconds=given)
    assert build(item(spec)).pod_spec["terminationGracePeriodSeconds"] == stored


def test_no_termination_grace_period_default_when_the_minimum_is_zero() -> None:
    config = SubmissionConfig(min_termination_grace_period=timedelta(0))
    assert "terminationGracePeriodSeconds" not in build(item(), config).pod_spec


# --- the whole ----------------------------------------------------------------------------------


def test_other_pod_fields_are_kept_and_the_input_is_unchanged() -> None:
    spec = pod(
        container(ports=[{"containerPort": 80}], env=[{"name": "A", "value": "1"}]),
        restartPolicy="Never",
        nodeSelector={"zone": "a"},
    )
    job = build(item(spec))  # the helper asserts that the item is unchanged
    assert job.pod_spec["restartPolicy"] == "Never"
    assert job.pod_spec["nodeSelector"] == {"zone": "a"}
    assert job.pod_spec["containers"][0]["env"] == [{"name": "A", "value": "1"}]
    assert spec["containers"][0]["resources"]["requests"] == {"cpu": "1", "memory": "1Gi"}
    assert "tolerations" not in spec
