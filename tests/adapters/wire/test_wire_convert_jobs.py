"""api.Job and the api.Jobs query service conversions."""

from __future__ import annotations

import dataclasses

from wire_helpers import assert_valid, normalised

from armada_adapters.wire.convert import jobs
from armada_adapters.wire.convert.common import empty, health_response
from armada_core.jobs import Job, JobRecord, JobState, ResourceRequirements
from armada_core.kube_pod import KubePodSpec
from armada_core.results import JobDetails
from armada_core.runs import Run, RunState

POD = {"containers": [{"name": "c", "resources": {"limits": {"cpu": "200m"}}}]}
SERVICE = {
    "metadata": {"name": "armada-j-0-service-0"},
    "spec": {"type": "NodePort", "ports": [{"port": 80, "targetPort": 80}]},
}
INGRESS = {
    "metadata": {"name": "armada-j-0-ingress-0"},
    "spec": {"rules": [{"host": "h", "http": {"paths": [{"path": "/"}]}}]},
}
JOB = Job(
    id="01hq3z5w9k8m2n4p6r7s9t0v1x",
    queue="q",
    job_set_id="s",
    namespace="ns",
    owner="ann",
    groups=("zeta", "everyone", "alpha"),
    priority=3,
    created_ns=1_700_000_000_123_000_000,
    spec=KubePodSpec(POD),
    client_id="c",
    labels={"l": "1"},
    annotations={"a": "2"},
    scheduling_resource_requirements=ResourceRequirements({"cpu": "200m"}, {"cpu": "200m"}),
    services=(SERVICE,),
    ingresses=(INGRESS,),
)
JOB_JSON = {
    "id": "01hq3z5w9k8m2n4p6r7s9t0v1x",
    "clientId": "c",
    "jobSetId": "s",
    "queue": "q",
    "namespace": "ns",
    "labels": {"l": "1"},
    "annotations": {"a": "2"},
    "owner": "ann",
    "queueOwnershipUserGroups": ["alpha", "everyone", "zeta"],
    "priority": 3.0,
    "podSpec": POD,
    "schedulingResourceRequirements": {"limits": {"cpu": "200m"}, "requests": {"cpu": "200m"}},
    "created": {"seconds": 1_700_000_000, "nanos": 123_000_000},
    "k8sIngress": [INGRESS],
    "k8sService": [SERVICE],
}


def test_job_json_is_the_full_api_job() -> None:
    out = jobs.job_json(JOB)
    assert out == JOB_JSON
    assert list(out) == list(JOB_JSON)  # Go's struct order
    assert_valid(out, "api.Job")


def test_minimal_job_json_keeps_the_always_present_messages() -> None:
    job = Job("j", "q", "s", "ns", "u", (), 0, 0, KubePodSpec({}))
    out = jobs.job_json(job)
    assert out == {
        "id": "j",
        "jobSetId": "s",
        "queue": "q",
        "namespace": "ns",
        "owner": "u",
        "podSpec": {},
        "schedulingResourceRequirements": {},
        "created": {},
    }
    assert_valid(out, "api.Job")


def test_query_requests() -> None:
    assert jobs.job_ids(normalised({"jobIds": ["a", "b"]}, "api.JobStatusRequest")) == ["a", "b"]
    assert jobs.run_ids(normalised({"runIds": ["r"]}, "api.JobRunDetailsRequest")) == ["r"]
    body = {"queue": "q", "jobset": "s", "externalJobUri": "u"}
    assert jobs.external_uri_query(
        normalised(body, "api.JobStatusUsingExternalJobUriRequest")
    ) == jobs.ExternalUriQuery("q", "s", "u")
    body = {"jobIds": ["a"], "expandJobSpec": True, "expandJobRun": True}
    assert jobs.job_details_query(normalised(body, "api.JobDetailsRequest")) == (
        jobs.JobDetailsQuery(["a"], True, True)
    )


def test_job_status_keeps_zero_states() -> None:
    out = jobs.job_status_response({"b": JobState.UNKNOWN, "a": JobState.QUEUED})
    assert out == {"jobStates": {"a": 0, "b": 5}}
    assert_valid(out, "api.JobStatusResponse")
    assert jobs.job_status_response({}) == {}


def test_job_details() -> None:
    record = JobRecord(
        JOB,
        JobState.CANCELLED,
        last_transition_ns=2_000_000_001,
        priority=3,
        cancel_ns=1_500_000_000,
        cancel_reason="r",
        cancel_user="bob",
    )
    out = jobs.job_details_response(
        {"j": JobDetails(record, expand_job_spec=True, expand_job_run=True)}
    )
    assert out == {
        "jobDetails": {
            "j": {
                "jobId": JOB.id,
                "queue": "q",
                "jobset": "s",
                "namespace": "ns",
                "state": 9,
                "submittedTs": {"seconds": 1_700_000_000, "nanos": 123_000_000},
                "cancelTs": {"seconds": 1, "nanos": 500_000_000},
                "cancelReason": "r",
                "lastTransitionTs": {"seconds": 2, "nanos": 1},
                "jobSpec": JOB_JSON,
                "cancelUser": "bob",
            }
        }
    }
    assert_valid(out, "api.JobDetailsResponse")
    queued = JobRecord(JOB, JobState.QUEUED, last_transition_ns=0, priority=3)
    plain = jobs.job_details_json(JobDetails(queued, expand_job_spec=False, expand_job_run=True))
    assert "state" not in plain and "jobSpec" not in plain and "cancelTs" not in plain
    assert_valid({"jobDetails": {"j": plain}}, "api.JobDetailsResponse")


def test_job_details_name_the_latest_run_and_expand_runs_when_asked() -> None:
    record = JobRecord(JOB, JobState.RUNNING, last_transition_ns=0, priority=3)
    older = dataclasses.replace(RUN, id="q", state=RunState.LEASE_RETURNED)
    runs = (older, RUN)
    brief = jobs.job_details_json(JobDetails(record, False, False, runs))
    assert brief["latestRunId"] == "r" and "jobRuns" not in brief
    full = jobs.job_details_json(JobDetails(record, False, True, runs))
    assert [r["runId"] for r in full["jobRuns"]] == ["q", "r"]
    assert full["jobRuns"][0]["state"] == 9
    assert_valid({"jobDetails": {"j": full}}, "api.JobDetailsResponse")


RUN = Run(
    "r",
    "j",
    "ex",
    "n1",
    "cpu",
    1000,
    leased_ns=10**9,
    state=RunState.RUNNING,
    running_ns=2 * 10**9 + 5,
)


def test_other_responses() -> None:
    cases = [
        (
            jobs.job_errors_response({"a": "", "b": "oom"}),
            "api.JobErrorsResponse",
            {"jobErrors": {"a": "", "b": "oom"}},
        ),
        (jobs.job_run_details_response({}), "api.JobRunDetailsResponse", {}),
        (
            jobs.job_run_details_response({"r": RUN}),
            "api.JobRunDetailsResponse",
            {
                "jobRunDetails": {
                    "r": {
                        "runId": "r",
                        "jobId": "j",
                        "state": 3,
                        "cluster": "ex",
                        "node": "n1",
                        "leasedTs": {"seconds": 1},
                        "startedTs": {"seconds": 2, "nanos": 5},
                    }
                }
            },
        ),
        (
            jobs.active_queues_response({"pool": ["a", "b"], "empty": []}),
            "api.GetActiveQueuesResponse",
            {"activeQueuesByPool": {"empty": {}, "pool": {"queues": ["a", "b"]}}},
        ),
        (health_response(True), "api.HealthCheckResponse", {"status": 1}),
        (health_response(False), "api.HealthCheckResponse", {"status": 2}),
        (empty(), "google.protobuf.Empty", {}),
    ]
    for out, message, expected in cases:
        assert out == expected
        assert_valid(out, message)
