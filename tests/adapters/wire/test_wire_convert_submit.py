"""Submit, cancel, reprioritize, preempt conversions."""

from __future__ import annotations

from wire_helpers import assert_valid, normalised

from armada_adapters.wire.convert import submit
from armada_adapters.wire.jsoncodec import from_json
from armada_adapters.wire.pod_spec import UpbPodSpec
from armada_adapters.wire.pool import message_class
from armada_core.commands import (
    CancelJobs,
    CancelJobSet,
    IngressConfig,
    JobSubmitItem,
    KubeServiceConfig,
    PreemptJobs,
    ReprioritizeJobs,
    SubmitJobs,
)
from armada_core.jobs import JobState
from armada_core.kube_pod import KubePodSpec

POD = {
    "containers": [
        {
            "name": "sleep",
            "image": "busybox",
            "resources": {"limits": {"cpu": "200m"}, "requests": {"cpu": 0.2}},
        }
    ],
    "restartPolicy": "Never",
}


def test_submit_request_becomes_a_command_with_pod_specs_as_kubernetes_json() -> None:
    body = {
        "queue": "q",
        "jobSetId": "s",
        "jobRequestItems": [
            {
                "priority": 1,
                "namespace": "ns",
                "clientId": "c1",
                "labels": {"l": "1"},
                "annotations": {"a": "2"},
                "podSpec": POD,
                "ingress": [
                    {
                        "type": "Ingress",
                        "ports": [80],
                        "annotations": {"x": "y"},
                        "tlsEnabled": True,
                        "certName": "cert",
                        "useClusterIP": True,
                    }
                ],
                "services": [{"type": "Headless", "ports": [81], "name": "svc"}],
                "scheduler": "sched",
                "externalJobUri": "uri",
            },
            {"podSpecs": [POD]},
        ],
    }
    command = submit.submit_jobs(from_json(body, message_class("api.JobSubmitRequest")))
    canonical_pod = {
        **POD,
        "containers": [
            {
                **POD["containers"][0],
                "resources": {"limits": {"cpu": "200m"}, "requests": {"cpu": "0.2"}},
            }
        ],
    }
    assert command == SubmitJobs(
        queue="q",
        job_set_id="s",
        items=(
            JobSubmitItem(
                priority=1.0,
                namespace="ns",
                client_id="c1",
                labels={"l": "1"},
                annotations={"a": "2"},
                pod_spec=KubePodSpec(canonical_pod),
                ingress=(IngressConfig((80,), {"x": "y"}, True, "cert", True),),
                services=(KubeServiceConfig(type=1, ports=(81,), name="svc"),),
                scheduler="sched",
                external_job_uri="uri",
            ),
            JobSubmitItem(pod_specs=(KubePodSpec(canonical_pod),)),
        ),
    )


def test_cancel_jobs_collects_ids_then_id_without_repeats() -> None:
    body = {"queue": "q", "jobSetId": "s", "jobIds": ["b", "a", "b"], "jobId": "a", "reason": "r"}
    assert submit.cancel_jobs(normalised(body, "api.JobCancelRequest")) == CancelJobs(
        "q", "s", ("b", "a"), "r"
    )
    assert submit.cancel_jobs({"jobId": "x"}).job_ids == ("x",)
    assert submit.cancel_jobs({"queue": "q"}).job_ids == ()


def test_cancel_job_set_filter_states() -> None:
    body = {"queue": "q", "jobSetId": "s", "filter": {"states": ["RUNNING", 1]}, "reason": "r"}
    assert submit.cancel_job_set(normalised(body, "api.JobSetCancelRequest")) == CancelJobSet(
        "q", "s", frozenset({JobState.RUNNING, JobState.PENDING}), "r"
    )
    assert submit.cancel_job_set({"queue": "q", "jobSetId": "s"}).states == frozenset()


def test_reprioritize_and_preempt_requests() -> None:
    body = {"queue": "q", "jobSetId": "s", "jobIds": ["a"], "newPriority": 3}
    assert submit.reprioritize_jobs(normalised(body, "api.JobReprioritizeRequest")) == (
        ReprioritizeJobs("q", "s", 3.0, ("a",))
    )
    body = {"queue": "q", "jobSetId": "s", "jobIds": ["a"], "reason": "why"}
    assert submit.preempt_jobs(normalised(body, "api.JobPreemptRequest")) == PreemptJobs(
        "q", "s", ("a",), "why"
    )


def test_responses() -> None:
    cases = [
        (
            submit.submit_response(["j1", "j2"]),
            "api.JobSubmitResponse",
            {"jobResponseItems": [{"jobId": "j1"}, {"jobId": "j2"}]},
        ),
        (submit.cancellation_result([""]), "api.CancellationResult", {"cancelledIds": [""]}),
        (submit.cancellation_result([]), "api.CancellationResult", {}),
        (
            submit.reprioritize_response({"all jobs in job set s": ""}),
            "api.JobReprioritizeResponse",
            {"reprioritizationResults": {"all jobs in job set s": ""}},
        ),
        (
            submit.preemption_result({"b": "", "a": "gone"}),
            "api.PreemptionResult",
            {"preemptionResults": {"a": "gone", "b": ""}},
        ),
    ]
    for out, message, expected in cases:
        assert out == expected
        assert_valid(out, message)


def test_pod_specs_stay_the_request_messages_with_their_protobuf_size() -> None:
    body = {"queue": "q", "jobRequestItems": [{"podSpec": POD}, {"podSpecs": [POD]}, {}]}
    request = from_json(body, message_class("api.JobSubmitRequest"))
    command = submit.submit_jobs(request)
    first, second, third = command.items
    assert isinstance(first.pod_spec, UpbPodSpec) and isinstance(second.pod_specs[0], UpbPodSpec)
    assert first.pod_spec.size() == request.job_request_items[0].pod_spec.ByteSize()
    assert second.pod_spec is None and second.pod_specs[0].size() == first.pod_spec.size()
    assert third.pod_spec is None and third.pod_specs == ()
