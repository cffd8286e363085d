"""build_job: identity, priority, namespace, external job URI and {JobId} templating."""

from __future__ import annotations

import math

import pytest
from submission_support import JOB_ID, build, item, pod

from armada_core.commands import JobSubmitItem
from armada_core.errors import InvalidArgument
from armada_core.kube_pod import KubePodSpec
from armada_core.submission import SubmissionConfig, main_pod_spec, priority_as_uint32

URI = "armadaproject.io/externalJobUri"


def test_identity_fields() -> None:
    job = build(
        item(client_id="c-1"),
        job_id="01abc",
        queue="queue-a",
        job_set_id="set-1",
        owner="bob",
        groups=("everyone", "team"),
        created_ns=42,
    )
    assert (job.id, job.queue, job.job_set_id, job.owner) == ("01abc", "queue-a", "set-1", "bob")
    assert (job.groups, job.created_ns, job.client_id) == (("everyone", "team"), 42, "c-1")


@pytest.mark.parametrize(
    ("priority", "expected"),
    [
        (0, 0),
        (1.4, 1),
        (1.5, 2),
        (2.5, 3),  # half away from zero, like Go's math.Round (not banker's rounding)
        (0.49999999999999994, 0),
        (-5, 0),
        (2**32 - 1, 2**32 - 1),
        (2**40, 2**32 - 1),
        (math.inf, 2**32 - 1),
        (math.nan, 0),
    ],
)
def test_priority_is_rounded_and_clamped_to_uint32(priority: float, expected: int) -> None:
    assert priority_as_uint32(priority) == expected
    assert build(item(priority=priority)).priority == expected


def test_namespace_defaults_to_the_configured_namespace() -> None:
    assert build(item(namespace="")).namespace == "default"
    assert build(item(namespace=""), SubmissionConfig(default_namespace="jobs")).namespace == "jobs"
    assert build(item(namespace="mine")).namespace == "mine"


def test_external_job_uri_from_the_field_else_the_annotation() -> None:
    assert build(item(external_job_uri="field://1")).external_job_uri == "field://1"
    assert build(item(annotations={URI: "anno://2"})).external_job_uri == "anno://2"
    both = item(external_job_uri="field://1", annotations={URI: "anno://2"})
    assert build(both).external_job_uri == "field://1"
    assert build(item(annotations={URI: "x/{JobId}"})).external_job_uri == f"x/{JOB_ID}"
    assert build(item()).external_job_uri == ""


@pytest.mark.parametrize(
    ("value", "templated"),
    [
        ("{JobId}", JOB_ID),
        ("run-{JobId}-{JobId}", f"run-{JOB_ID}-{JOB_ID}"),
        ("{{JobId}}", "JobId"),
        ("{{JobId}} is {JobId}", f"JobId is {JOB_ID}"),
        ("{{{JobId}}}", "{JobId}"),
        ("JobId", "JobId"),
        ("{jobid}", "{jobid}"),
        (r"keep \z", r"keep \z"),
    ],
)
def test_job_id_templating_in_label_and_annotation_values(value: str, templated: str) -> None:
    job = build(item(labels={"l": value}, annotations={"a": value}))
    assert job.labels == {"l": templated}
    assert job.annotations == {"a": templated}


def test_keys_are_not_templated() -> None:
    job = build(item(labels={"{JobId}": "v"}))
    assert job.labels == {"{JobId}": "v"}


def test_the_main_pod_spec_comes_from_pod_specs_when_pod_spec_is_absent() -> None:
    spec = pod(priorityClassName="armada-preemptible")
    from_list = JobSubmitItem(namespace="ns", pod_specs=(spec,))
    assert main_pod_spec(from_list) == KubePodSpec(spec)
    assert build(from_list).pod_spec["priorityClassName"] == "armada-preemptible"
    assert main_pod_spec(JobSubmitItem()) is None


def test_an_item_without_pod_spec_cannot_be_built() -> None:
    with pytest.raises(InvalidArgument, match="Job must contain at least one PodSpec"):
        build(JobSubmitItem(namespace="ns"))


def test_nothing_of_the_input_is_shared_mutably_with_the_configuration() -> None:
    config = SubmissionConfig()
    job = build(item(), config)
    job.pod_spec["tolerations"][0]["key"] = "changed"
    assert config.default_job_tolerations[0]["key"] == "armadaproject.io/armada"
